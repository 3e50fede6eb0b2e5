"""Make sure the servers the suite needs are there before ``make run`` or ``make test`` starts
anything: RabbitMQ (with its management API for the tests) and, when the tests are pointed at it
with ``TEST_POSTGRES_URL``, PostgreSQL.

For each server, in this order:

1. it answers at its address: use it;
2. the address is this machine's default one and the server is installed here: start it, and say
   so;
3. a Docker engine answers: start the container ``docker-compose.yml`` names, and say so;
4. otherwise: one line naming the address (password hidden) and the command that installs and
   starts the server on this platform; exit status 1.

Nothing is ever installed: that is the user's decision (``.ci/run`` installs packages in CI).

    python -m scripts.local_services run    # RabbitMQ
    python -m scripts.local_services test   # RabbitMQ, its management API, PostgreSQL if asked
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from shared.startup import cause_of, hide_password

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# Debian keeps servers in sbin, which is not on every user's PATH; Homebrew has its own prefixes.
EXTRA_PATHS = ("/usr/sbin", "/usr/local/sbin", "/opt/homebrew/sbin", "/opt/homebrew/bin")
AMQP_PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"

HOW_TO_GET = {
    "rabbitmq": {
        "debian": "sudo apt-get install -y rabbitmq-server && sudo service rabbitmq-server start",
        "fedora": "sudo dnf install -y rabbitmq-server && sudo systemctl start rabbitmq-server",
        "macos": "brew install rabbitmq && brew services start rabbitmq",
        "other": "install Docker, then: docker compose up -d rabbitmq",
    },
    "management": {
        "debian": "sudo rabbitmq-plugins enable rabbitmq_management",
        "fedora": "sudo rabbitmq-plugins enable rabbitmq_management",
        "macos": "rabbitmq-plugins enable rabbitmq_management",
        "other": "rabbitmq-plugins enable rabbitmq_management",
    },
    "postgres": {
        "debian": "sudo apt-get install -y postgresql && sudo service postgresql start",
        "fedora": (
            "sudo dnf install -y postgresql-server && sudo postgresql-setup --initdb"
            " && sudo systemctl start postgresql"
        ),
        "macos": "brew install postgresql@16 && brew services start postgresql@16",
        "other": "install Docker, then: docker compose up -d postgres",
    },
}


# --- what this machine has -------------------------------------------------------------------


@dataclass(frozen=True)
class Machine:
    """What the plans depend on, found once by ``detect_machine`` (tests pass their own)."""

    platform: str = "other"  # debian (Ubuntu and WSL too), fedora, macos, windows, other
    rabbitmq_server: str | None = None
    rabbitmq_plugins: str | None = None
    pg_ctlcluster: str | None = None
    pg_clusters: tuple[str, ...] = ()  # "15 main"
    docker: bool = False


def which(program: str) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), *EXTRA_PATHS])
    return shutil.which(program, path=path)


def detect_platform() -> str:
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("win"):
        return "windows"
    if Path("/etc/debian_version").exists():
        return "debian"
    if Path("/etc/fedora-release").exists() or Path("/etc/redhat-release").exists():
        return "fedora"
    return "other"


def docker_engine_answers() -> bool:
    """The client alone is not enough: ``docker info`` fails when no engine runs."""
    if which("docker") is None:
        return False
    for command in (["docker", "info"], ["docker", "compose", "version"]):
        try:
            done = subprocess.run(command, capture_output=True, timeout=15, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        if done.returncode != 0:
            return False
    return True


def postgres_clusters(pg_lsclusters: str | None) -> tuple[str, ...]:
    if pg_lsclusters is None:
        return ()
    try:
        listing = subprocess.run(
            [pg_lsclusters, "--no-header"], capture_output=True, text=True, timeout=15
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(" ".join(line.split()[:2]) for line in listing.splitlines() if line.strip())


def detect_machine() -> Machine:
    return Machine(
        platform=detect_platform(),
        rabbitmq_server=which("rabbitmq-server"),
        rabbitmq_plugins=which("rabbitmq-plugins"),
        pg_ctlcluster=which("pg_ctlcluster"),
        pg_clusters=postgres_clusters(which("pg_lsclusters")),
        docker=docker_engine_answers(),
    )


# --- is it there? ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    url: str
    host: str
    port: int

    @property
    def is_local(self) -> bool:
        return self.host in LOCAL_HOSTS

    @property
    def shown(self) -> str:
        return hide_password(self.url)


def address_of(url: str, default_port: int) -> Address:
    parts = urlsplit(url)
    return Address(url, parts.hostname or "localhost", parts.port or default_port)


def amqp_probe(address: Address, timeout: float = 3.0) -> str | None:
    """None when an AMQP broker answers; otherwise why not, in a few words.

    A broker answers the protocol header with Connection.Start (a method frame, type 1) or with
    the header of the version it speaks; anything else on the port is some other program."""
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout) as sock:
            sock.sendall(AMQP_PROTOCOL_HEADER)
            first = sock.recv(8)
    except OSError as error:
        return cause_of(error)
    if first[:1] == b"\x01" or first.startswith(b"AMQP"):
        return None
    return f"port {address.port} is in use by a program that is not RabbitMQ"


def management_probe(api_url: str, timeout: float = 3.0) -> str | None:
    """None when RabbitMQ's management API answers with the credentials in ``api_url``."""
    parts = urlsplit(api_url)
    overview = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}/api/overview"
    request = urllib.request.Request(overview)
    credentials = f"{parts.username or 'guest'}:{parts.password or 'guest'}".encode()
    request.add_header("Authorization", "Basic " + base64.b64encode(credentials).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(200)
    except urllib.error.HTTPError as error:
        if error.code == 401:
            return "it refused the credentials"
        return (
            f"port {parts.port or 15672} answers HTTP {error.code}: not RabbitMQ's management API"
        )
    except (urllib.error.URLError, OSError) as error:
        return cause_of(getattr(error, "reason", error))
    if b"rabbitmq_version" not in body and b"management_version" not in body:
        return f"port {parts.port or 15672} is in use by a program that is not RabbitMQ"
    return None


def postgres_probe(url: str, timeout: float = 3.0) -> str | None:
    """None when PostgreSQL accepts a connection at ``url``."""
    try:
        import psycopg2
    except ImportError:  # not installed yet: a TCP connection is the best we can tell
        address = address_of(url, 5432)
        try:
            socket.create_connection((address.host, address.port), timeout=timeout).close()
        except OSError as error:
            return cause_of(error)
        return None
    try:
        psycopg2.connect(url, connect_timeout=max(1, int(timeout))).close()
    except psycopg2.Error as error:
        return cause_of(error)
    return None


# --- what to do about it (pure: unit-tested with made-up machines) ----------------------------


@dataclass(frozen=True)
class Ready:
    pass


@dataclass(frozen=True)
class Start:
    command: tuple[str, ...]
    says: str  # printed before starting, so the user knows what we did to their machine
    wait_seconds: float = 90.0


@dataclass(frozen=True)
class Missing:
    line: str


Plan = Ready | Start | Missing


def plan_broker(address: Address, problem: str | None, machine: Machine) -> Plan:
    if problem is None:
        return Ready()
    unreachable = f"RabbitMQ unreachable at {address.shown} ({problem})"
    if "not RabbitMQ" in problem:
        return Missing(f"{unreachable}: stop that program, or set AMQP_URI to your broker")
    if not (address.is_local and address.port == 5672):
        return Missing(
            f"{unreachable}; AMQP_URI names that broker, so nothing was started: start it there,"
            " or unset AMQP_URI to use one on this machine"
        )
    if machine.rabbitmq_server:
        return Start(
            (machine.rabbitmq_server, "-detached"),
            f"RabbitMQ was not running at {address.shown}: starting it "
            f"(`{Path(machine.rabbitmq_server).name} -detached`)",
        )
    if machine.docker:
        return compose_container("rabbitmq", f"RabbitMQ was not running at {address.shown}")
    return Missing(
        f"{unreachable}, and neither rabbitmq-server nor a Docker engine is on this machine;"
        f" install and start RabbitMQ with: {how_to_get('rabbitmq', machine)}"
    )


def plan_management(api_url: str, broker: Address, problem: str | None, machine: Machine) -> Plan:
    if problem is None:
        return Ready()
    shown = hide_password(api_url)
    unreachable = (
        f"RabbitMQ's management API unreachable at {shown} ({problem});"
        " the tests make a virtual host per test through it"
    )
    if problem == "connection refused" and broker.is_local and machine.rabbitmq_plugins:
        return Start(
            (machine.rabbitmq_plugins, "enable", "rabbitmq_management"),
            "RabbitMQ's management API was off: enabling it"
            " (`rabbitmq-plugins enable rabbitmq_management`)",
            wait_seconds=60,
        )
    if problem == "connection refused":
        return Missing(f"{unreachable}: turn it on with: {how_to_get('management', machine)}")
    return Missing(f"{unreachable}: set RABBIT_API_URI to the management API's address")


def plan_postgres(address: Address, problem: str | None, machine: Machine) -> Plan:
    if problem is None:
        return Ready()
    unreachable = f"PostgreSQL unreachable at {address.shown} ({problem})"
    if problem not in ("connection refused", "timed out", "unknown host"):
        return Missing(f"{unreachable}: fix TEST_POSTGRES_URL or the server's settings")
    if not (address.is_local and address.port == 5432):
        return Missing(
            f"{unreachable}; TEST_POSTGRES_URL names that server, so nothing was started"
        )
    if machine.pg_ctlcluster and machine.pg_clusters:
        version, name = machine.pg_clusters[0].split()
        return Start(
            (machine.pg_ctlcluster, "--skip-systemctl-redirect", version, name, "start"),
            f"PostgreSQL was not running at {address.shown}: starting cluster {version}/{name}"
            " (`pg_ctlcluster`)",
            wait_seconds=60,
        )
    if machine.docker:
        return compose_container("postgres", f"PostgreSQL was not running at {address.shown}")
    return Missing(
        f"{unreachable}, and neither a PostgreSQL cluster nor a Docker engine is on this machine;"
        f" install and start PostgreSQL with: {how_to_get('postgres', machine)}"
    )


def compose_container(name: str, why: str) -> Start:
    return Start(
        ("docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "up", "-d", name),
        f"{why}: starting the `{name}` container of docker-compose.yml",
        wait_seconds=300,  # the first start pulls the image
    )


def how_to_get(server: str, machine: Machine) -> str:
    commands = HOW_TO_GET[server]
    if machine.platform == "windows":
        return f"WSL (Ubuntu), then inside it: {commands['debian']}"
    return commands.get(machine.platform, commands["other"])


# --- doing it --------------------------------------------------------------------------------


class NotReady(Exception):
    """One line for the user; ``main`` prints it and exits 1."""


@dataclass
class Ensure:
    """Probes first; looks at what the machine has only when something does not answer."""

    machine: Machine | None = None
    say: Callable[[str], None] = print

    def _machine(self) -> Machine:
        if self.machine is None:
            self.machine = detect_machine()
        return self.machine

    def carry_out(self, plan: Plan, probe: Callable[[], str | None]) -> None:
        if isinstance(plan, Ready):
            return
        if isinstance(plan, Missing):
            raise NotReady(plan.line)
        self.say(plan.says)
        try:
            done = subprocess.run(
                plan.command, capture_output=True, text=True, timeout=plan.wait_seconds
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise NotReady(f"`{' '.join(plan.command)}` could not run: {cause_of(error)}") from None
        if done.returncode != 0:
            output = (done.stderr or done.stdout).strip().splitlines()
            reason = output[-1].strip() if output else f"exit status {done.returncode}"
            raise NotReady(f"`{' '.join(plan.command)}` failed: {reason}")
        deadline = time.monotonic() + plan.wait_seconds
        problem = probe()
        while problem is not None and time.monotonic() < deadline:
            time.sleep(1)
            problem = probe()
        if problem is not None:
            raise NotReady(
                f"started with `{' '.join(plan.command)}`, but still not answering after"
                f" {plan.wait_seconds:.0f} s ({problem})"
            )

    def broker(self, uri: str) -> None:
        address = address_of(uri, 5671 if uri.startswith("amqps") else 5672)
        problem = amqp_probe(address)
        plan = plan_broker(address, problem, self._machine() if problem else Machine())
        self.carry_out(plan, lambda: amqp_probe(address))

    def management(self, api_url: str, broker_uri: str) -> None:
        broker = address_of(broker_uri, 5672)
        problem = management_probe(api_url)
        plan = plan_management(api_url, broker, problem, self._machine() if problem else Machine())
        self.carry_out(plan, lambda: management_probe(api_url))

    def postgres(self, url: str) -> None:
        address = address_of(url, 5432)
        problem = postgres_probe(url)
        plan = plan_postgres(address, problem, self._machine() if problem else Machine())
        self.carry_out(plan, lambda: postgres_probe(url))


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI") or DEFAULT_AMQP_URI


def rabbit_api_uri() -> str:
    """Where the tests reach the management API: ``RABBIT_API_URI``, or the broker's host."""
    if os.environ.get("RABBIT_API_URI"):
        return os.environ["RABBIT_API_URI"]
    broker = urlsplit(amqp_uri())
    host = broker.hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    return f"http://{broker.username or 'guest'}:{broker.password or 'guest'}@{host}:15672"


def ensure(purpose: str, ensure_with: Ensure | None = None) -> None:
    ensure_with = ensure_with or Ensure()
    ensure_with.broker(amqp_uri())
    if purpose == "test":
        ensure_with.management(rabbit_api_uri(), amqp_uri())
        if os.environ.get("TEST_POSTGRES_URL"):
            ensure_with.postgres(os.environ["TEST_POSTGRES_URL"])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in (["run"], ["test"]):
        print("usage: python -m scripts.local_services run|test", file=sys.stderr)
        return 2
    try:
        ensure(args[0])
    except NotReady as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
