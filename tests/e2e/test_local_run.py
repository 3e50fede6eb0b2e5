"""`make run` as a newcomer meets it: one clear line when the broker or a database is missing,
RabbitMQ started when it is installed but stopped, and every service stopped when one stops."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from scripts.local_services import ensure, which
from shared.config import SERVICES
from shared.manage import health

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
MAKE_OWN_LINE = re.compile(r"^make(\[\d+\])?: \*\*\* ")  # make's own "Error 1" line


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_run_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    # A fresh shell's environment: no broker named, not inside the `make test` that runs us.
    unset = (
        "AMQP_URI",
        "TEST_POSTGRES_URL",
        "IDENTITY_PUBLIC_KEYS",
        "MAKEFLAGS",
        "MAKELEVEL",
        "MFLAGS",
    )
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        {
            "GATEWAY_PORT": str(closed_port()),
            "LOCAL_IDP_PORT": str(closed_port()),
            "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
            "NOTIFY_OUTBOX": str(tmp_path / "outbox"),
            "LOG_DIR": str(tmp_path / "logs"),
            "DOCUMENT_STORE_PATH": str(tmp_path / "documents"),
            "LOG_LEVEL": "WARNING",
            **{f"{s.upper()}_DATABASE_URL": f"sqlite:///{tmp_path / s}.db" for s in SERVICES},
        }
    )
    env.update(overrides)
    return env


def make_run(env: dict[str, str], **popen) -> subprocess.Popen:
    # -o: the venv the tests run in counts as installed, whatever pyproject.toml's timestamp.
    return subprocess.Popen(
        ["make", "--no-print-directory", f"VENV={VENV}", "-o", f"{VENV}/bin/nameko", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **popen,
    )


def our_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line and not MAKE_OWN_LINE.match(line)]


def descendants(pid: int) -> list[int]:
    """Every process started under ``pid``, however deep (the services run in sessions of their
    own, so the process group would miss them)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def service_pid(root: int, service: str) -> int:
    for pid in descendants(root):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if f"services.{service}.service".encode() in cmdline:
            return pid
    raise AssertionError(f"no process runs {service}")


def stop_everything_under(process: subprocess.Popen) -> None:
    """A failed test must not leave services consuming from the broker."""
    for pid in descendants(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_line(process: subprocess.Popen, text: str, timeout: float = 180) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line.rstrip())
        if text in line:
            return seen
    raise AssertionError(f"never printed {text!r}; stdout: {seen}; stderr: {process.stderr.read()}")


def test_make_run_against_a_closed_port_says_so_in_one_line(tmp_path):
    port = closed_port()
    env = make_run_env(tmp_path, AMQP_URI=f"amqp://guest:s3cret@127.0.0.1:{port}/")
    done = make_run(env).communicate(timeout=120)
    process_lines = our_lines(done[1])
    assert process_lines == [
        f"RabbitMQ unreachable at amqp://guest:***@127.0.0.1:{port}/ (connection refused);"
        " AMQP_URI names that broker, so nothing was started: start it there, or unset AMQP_URI"
        " to use one on this machine"
    ]
    assert "s3cret" not in done[0] + done[1]
    assert not (tmp_path / "logs" / "cases.log").exists(), "a service was started"


def test_make_run_exit_status_is_not_zero_when_the_broker_is_missing(tmp_path):
    env = make_run_env(tmp_path, AMQP_URI=f"amqp://guest:guest@127.0.0.1:{closed_port()}/")
    process = make_run(env)
    process.communicate(timeout=120)
    assert process.returncode != 0


def test_make_run_names_the_service_whose_database_is_unreachable(tmp_path):
    port = closed_port()
    env = make_run_env(
        tmp_path, TASKS_DATABASE_URL=f"postgresql://housing:pw@127.0.0.1:{port}/housing_tasks"
    )
    process = make_run(env)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert our_lines(stderr) == [
        f"tasks: database unreachable at postgresql://housing:***@127.0.0.1:{port}/housing_tasks"
        " (connection refused)"
    ]
    assert not (tmp_path / "logs" / "tasks.log").exists(), "a service was started"


def test_make_run_stops_every_service_when_one_stops_and_says_which(tmp_path):
    process = make_run(make_run_env(tmp_path))
    try:
        wait_for_line(process, "services running")
        services = [service_pid(process.pid, s) for s in SERVICES]
        os.kill(service_pid(process.pid, "tasks"), signal.SIGKILL)
        _, stderr = process.communicate(timeout=60)
    finally:
        stop_everything_under(process)
    assert process.returncode != 0
    lines = our_lines(stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith("tasks stopped: exited with status -9; stopping the others")
    assert not [pid for pid in services if Path(f"/proc/{pid}").exists()], "services left running"


def signs_in_locally(env: dict[str, str], tmp_path: Path) -> None:
    """What the README's first lines promise: the gateway answers, a caseworker signs in through
    the local identity provider, and a customer's sign-in email is on the local outbox page."""
    from services.gateway.notify import LocalOutbox
    from tests.gateway.conftest import Front, sign_in_staff

    url = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    front = Front(
        url=url,
        idp_url=f"http://127.0.0.1:{env['LOCAL_IDP_PORT']}",
        outbox=LocalOutbox(env["NOTIFY_OUTBOX"]),
        gateway_database=str(tmp_path / "gateway.db"),
        logs=tmp_path / "logs",
        processes=None,
    )
    assert httpx.get(f"{url}/api/v1/health", timeout=30).status_code == 200
    officer = sign_in_staff(front, "local-caseworker")
    assert officer.get("/api/v1/cases").status_code == 200
    customer = front.client()
    assert (
        customer.post("/auth/sign-in-links", json={"email": "try@example.org"}).status_code == 202
    )
    page = customer.get("/auth/local/outbox")
    assert page.status_code == 200 and "/auth/sign-in-links/" in page.text
    for client in front.clients:
        client.close()


def we_control_the_local_broker() -> bool:
    ctl = which("rabbitmqctl")
    if which("rabbitmq-server") is None or ctl is None:
        return False
    return subprocess.run([ctl, "-q", "status"], capture_output=True, timeout=60).returncode == 0


@pytest.mark.skipif(
    not we_control_the_local_broker(),
    reason="needs rabbitmq-server installed here and rights to stop and start it (CI has both)",
)
def test_make_run_starts_a_stopped_local_broker_and_the_suite_comes_up(tmp_path):
    subprocess.run([which("rabbitmqctl"), "-q", "shutdown"], check=True, timeout=120)
    env = make_run_env(tmp_path)
    process = make_run(env)
    try:
        seen = wait_for_line(process, "services running")
        assert any("RabbitMQ was not running" in line and "starting it" in line for line in seen)
        for service in SERVICES:
            status, answer = health(service, "amqp://guest:guest@localhost:5672/")
            assert status == 0, answer
        signs_in_locally(env, tmp_path)
        services = [service_pid(process.pid, s) for s in SERVICES]
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
        stdout, _ = process.communicate(timeout=60)
        # make itself dies of the SIGINT after its recipe has finished.
        assert process.returncode in (0, -signal.SIGINT)
        assert "stopping all services" in stdout
        assert not [pid for pid in services if Path(f"/proc/{pid}").exists()], "left running"
    finally:
        stop_everything_under(process)
        ensure("test")  # the rest of the tests need the broker and its management API
