"""What does the HTTP gateway add to reading a case?

    python benchmarks/gateway.py [--quick] [--requests 400] [--clients 16] [--seconds 8]

Starts the suite as ``make run`` does, but apart from it: the five services (``nameko run``), the
local OpenID Connect provider and the gateway, each a process of its own, in a RabbitMQ vhost of
their own (deleted at the end), with SQLite databases, keys and logs in a temporary folder and
free ports, so a developer's ``make run``, its ports and its var/ are never touched. One case is
made by submitting the sample enquiry (scripts/demo.py) and waiting until it has its advice,
tasks and information pack, so that no background work runs while it is read.

The case is then read by one caseworker (local-caseworker, team housing-options) three ways:

- ``cases.get_case(reference)`` straight over RabbitMQ, with the gateway's own asyncio RPC client
  in this process and one identity token minted for the caseworker and reused, as the gateway
  reuses the one it mints: the floor the gateway is measured against;
- ``GET /api/v1/cases/{reference}`` with httpx and a bearer access token from the provider
  (code + PKCE, as an app or API client gets one): checked per request, no database look-up;
- the same with the session cookie of a staff sign-in through ``/auth/login``, as a browser
  sends it: one read of the gateway's session table per request.

Latency: one request at a time, every way taken once in each round (starting with a different
one each time) so that the machine's drift affects all alike; p50 and p95. httpx spends a
millisecond or two of its own per request, which is the caller's cost rather than the gateway's,
so the rounds also read the case through a bare keep-alive HTTP/1.1 client (asyncio streams, no
library), and ``/api/v1/me`` (no RPC: the HTTP round trip and the token check alone) through
both clients. Throughput: ``--clients`` concurrent callers (keep-alive connections for HTTP,
concurrent calls on the one RPC connection for the direct way) for ``--seconds`` per way, in two
windows run in the order direct, bearer, cookie, cookie, bearer, direct so that a slowly growing
database weighs on each way alike; requests per second. Every read is audited (``case.viewed``,
a write to the cases database): the same cost each way, and most of it. The load comes from this
process, which shares the machine's cores with the gateway, the services and RabbitMQ; the CPU
each process spends per request under load is printed too, to say where the time goes.

Targets (the gateway's issue): the gateway adds at most 2 ms at p50 and sustains at least
300 requests/s on a 2-core machine. Each is reported as met or not; the script never fails on
them.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.broker_users import ManagementApi  # noqa: E402
from scripts.local_services import amqp_uri, rabbit_api_uri  # noqa: E402
from scripts.processes import ROOT, ServiceProcesses  # noqa: E402
from scripts.run_local import gateway_command, local_idp_command  # noqa: E402
from services.gateway.rpc_client import RpcClient  # noqa: E402
from shared.config import SERVICES  # noqa: E402
from shared.identity import CASEWORKER, TokenIssuer, new_key_pair  # noqa: E402
from shared.startup import hide_password  # noqa: E402

TEMPLATE_KEY = "housing-options-enquiry"
CASEWORKER_USER = "local-caseworker"  # one of the local provider's invented staff
TEAM = "housing-options"
CLIENT_ID, CLIENT_SECRET = "gateway-bench", "gateway-bench-secret"
APP_CLIENT_ID, APP_CLIENT_SECRET = "bench-app", "bench-app-secret"
APP_REDIRECT = "http://127.0.0.1/bench-app-callback"
TARGET_ADDED_P50_MS = 2.0
TARGET_REQUESTS_PER_SECOND = 300.0
STARTUP_SECONDS = 120.0
CASE_SECONDS = 90.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

Call = Callable[[], Awaitable[None]]


class SetupFailed(Exception):
    """One line saying which step did not work (the processes' logs say why)."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM. While asyncio runs, the measuring loops raise it at their next step
    (an exception raised by the signal handler inside a task would be half swallowed by
    asyncio); before and after, the handler raises KeyboardInterrupt at once."""


_stop_requested = False


def _on_stop_signal(*_: object) -> None:
    global _stop_requested
    _stop_requested = True
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise KeyboardInterrupt from None


def stop_if_asked() -> None:
    if _stop_requested:
        raise Interrupted


@dataclass
class Way:
    """One way of reading the case, and what was measured for it."""

    name: str
    call: Call
    latencies: list[float] = field(default_factory=list)
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    # CPU seconds spent under load, by process: this one (the load), the gateway, cases.
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[94] * 1000

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


# --- the suite, apart from a developer's ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Suite:
    processes: ServiceProcesses
    workdir: Path
    amqp: str
    gateway_port: int
    idp_port: int
    private_key: bytes

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def idp_url(self) -> str:
        return f"http://127.0.0.1:{self.idp_port}"


def new_suite(workdir: Path, amqp: str) -> Suite:
    """The suite's settings in ``workdir``; nothing started yet. Everything connects as
    ``amqp``'s user (the benchmark's vhost's administrator): the closed bus's per-service users
    are global to the broker, and making them here would change the passwords a running
    ``make run`` uses."""
    private, public = new_key_pair()
    (workdir / "identity.key").write_bytes(private)
    (workdir / "identity.pub").write_bytes(public)
    env = {
        **os.environ,
        "AMQP_URI": amqp,
        "DOCUMENT_STORE_PATH": str(workdir / "documents"),
        "LOG_LEVEL": "WARNING",
        "DATABASE_MIGRATE_ON_START": "true",
        "IDENTITY_PUBLIC_KEYS": str(workdir / "identity.pub"),
    }
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = f"sqlite:///{workdir / f'{service}.db'}"
    logs = workdir / "logs"
    logs.mkdir()
    # Own sessions: a Ctrl-C here reaches only this process, which stops each child once.
    processes = ServiceProcesses(env, logs, own_sessions=True)
    return Suite(processes, workdir, amqp, free_port(), free_port(), private)


def start_suite(suite: Suite) -> None:
    """The five services, the provider and the gateway, each answering before this returns."""
    processes, workdir, url, idp_url = suite.processes, suite.workdir, suite.url, suite.idp_url
    processes.start_all(list(SERVICES))
    clients = [
        f"{CLIENT_ID}:{CLIENT_SECRET}:{url}/auth/callback",
        f"{APP_CLIENT_ID}:{APP_CLIENT_SECRET}:{APP_REDIRECT}",
    ]
    processes.start_program("local-idp", local_idp_command(suite.idp_port, idp_url, clients), {})
    processes.start_program(
        "gateway",
        gateway_command(suite.gateway_port),
        {
            "AMQP_URI": suite.amqp,
            "GATEWAY_DATABASE_URL": f"sqlite:///{workdir / 'gateway.db'}",
            "PUBLIC_URL": url,
            "IDENTITY_SIGNING_KEY": str(workdir / "identity.key"),
            "OIDC_ISSUER": idp_url,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "SESSION_SECRET": secrets.token_urlsafe(32),
            "SESSION_COOKIE_SECURE": "false",
            "NOTIFY_KIND": "outbox",
            "NOTIFY_OUTBOX": str(workdir / "outbox"),
        },
    )
    wait_until_healthy(suite)


def wait_until_healthy(suite: Suite) -> None:
    """The gateway's health answers 200 once it reaches every service over the broker."""
    deadline = time.monotonic() + STARTUP_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        stopped = suite.processes.exited()
        if stopped:
            name = stopped[0]
            raise SetupFailed(
                f"{name} stopped: {suite.processes.why_exited(name)}"
                f" (log: {suite.processes.log_of(name)})"
            )
        try:
            answer = httpx.get(f"{suite.url}/api/v1/health", timeout=10)
            if answer.status_code == 200:
                return
            last = f"health {answer.status_code}"
        except httpx.HTTPError as error:
            last = type(error).__name__
        time.sleep(0.5)
    raise SetupFailed(
        f"the suite was not healthy within {STARTUP_SECONDS:.0f} s ({last});"
        f" logs in {suite.processes.logs}"
    )


def own_vhost(api: ManagementApi, base_amqp: str) -> tuple[str, str]:
    """A new vhost for the benchmark, ``base_amqp``'s user its administrator: (name, URI)."""
    vhost = f"gateway-bench-{uuid.uuid4().hex[:8]}"
    quoted = urllib.parse.quote(vhost, safe="")
    parts = urllib.parse.urlsplit(base_amqp)
    admin = urllib.parse.unquote(parts.username or "guest")
    api.put(f"vhosts/{quoted}", {})
    api.put(
        f"permissions/{quoted}/{urllib.parse.quote(admin, safe='')}",
        {"configure": ".*", "write": ".*", "read": ".*"},
    )
    scheme = "amqp" if parts.scheme.startswith("pyamqp") else parts.scheme
    return vhost, urllib.parse.urlunsplit((scheme, parts.netloc, f"/{quoted}", "", ""))


def sample_answers() -> dict[str, Any]:
    """scripts/demo.py's sample (the section 8 scenario of the end-to-end tests), asked of a
    child process: importing scripts.demo patches its importer with eventlet, under which this
    process's asyncio clients must not run."""
    program = (
        "import json; from scripts.demo import sample_answers;"
        " from shared.clock import london_today;"
        " print(json.dumps(sample_answers(london_today())))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0:
        raise SetupFailed(f"could not make the sample answers: {done.stderr.strip()[-300:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- signing in -------------------------------------------------------------------------------


def _hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found}


def _location_query(response: httpx.Response) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response.headers["location"]).query))


async def app_access_token(suite: Suite, user: str) -> str:
    """An app's own sign-in with the provider (authorization code + PKCE): its access token."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    params = {
        "response_type": "code",
        "client_id": APP_CLIENT_ID,
        "redirect_uri": APP_REDIRECT,
        "scope": "openid profile",
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient(base_url=suite.idp_url, timeout=30) as idp:
        page = await idp.get("/authorize", params=params)
        chosen = await idp.post("/authorize", data={**_hidden_fields(page.text), "user": user})
        if chosen.status_code not in (302, 303):
            raise SetupFailed(f"the provider refused the app's sign-in: {chosen.status_code}")
        tokens = await idp.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": _location_query(chosen)["code"],
                "redirect_uri": APP_REDIRECT,
                "code_verifier": verifier,
            },
            auth=(APP_CLIENT_ID, APP_CLIENT_SECRET),
        )
    if tokens.status_code != 200:
        raise SetupFailed(f"the provider gave no access token: {tokens.status_code}")
    return tokens.json()["access_token"]


async def staff_session(suite: Suite, browser: httpx.AsyncClient, user: str) -> None:
    """``browser`` signs in through the gateway (``/auth/login``, the provider's page, the
    callback) and keeps the session cookie, as a staff member's browser does."""
    start = await browser.get("/auth/login", params={"return_to": "/api/v1/me"})
    if start.status_code != 302:
        raise SetupFailed(f"/auth/login answered {start.status_code}")
    async with httpx.AsyncClient(timeout=30) as idp:
        page = await idp.get(start.headers["location"])
        chosen = await idp.post(
            f"{suite.idp_url}/authorize", data={**_hidden_fields(page.text), "user": user}
        )
    back = chosen.headers.get("location", "")
    if not back.startswith(f"{suite.url}/auth/callback"):
        raise SetupFailed(f"the provider did not send the browser back: {chosen.status_code}")
    done = await browser.get(back.removeprefix(suite.url))
    me = await browser.get("/api/v1/me")
    if done.status_code != 303 or me.status_code != 200:
        raise SetupFailed(f"staff sign-in failed: callback {done.status_code}, me {me.status_code}")


# --- the case ---------------------------------------------------------------------------------


async def seed_case(rpc: RpcClient, token: str) -> str:
    """The sample enquiry, submitted by the caseworker; its case's reference once the case has
    its advice, tasks and information pack (nothing left to run in the background)."""
    enquiry = await rpc.call(
        "enquiry",
        "submit_enquiry",
        {"template_key": TEMPLATE_KEY, "answers": sample_answers()},
        token=token,
    )
    deadline = time.monotonic() + CASE_SECONDS
    while time.monotonic() < deadline:
        stop_if_asked()
        try:
            case = await rpc.call("cases", "get_case_for_enquiry", enquiry["id"], token=token)
        except Exception:  # noqa: BLE001 - NotFound until the case is opened
            case = None
        packs = [d for d in (case or {}).get("documents", []) if d["kind"] == "information_pack"]
        if case and case["advice"] and case["tasks"] and packs:
            return case["reference"]
        await asyncio.sleep(0.3)
    raise SetupFailed(f"no complete case within {CASE_SECONDS:.0f} s of the enquiry")


def http_read(client: httpx.AsyncClient, path: str) -> Call:
    async def call() -> None:
        answer = await client.get(path)
        if answer.status_code != 200:
            raise RuntimeError(f"HTTP {answer.status_code}")
        answer.json()  # a client uses the case, as the RPC client's reply is parsed

    return call


class BareHttp:
    """GET over one keep-alive HTTP/1.1 connection with nothing but asyncio streams: what the
    gateway costs a caller whose client costs next to nothing (httpx spends over a millisecond
    of its own per request), so that the client's share can be told from the gateway's."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    def read(self, path: str) -> Call:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{self.headers}\r\n".encode()

        async def call() -> None:
            if self.streams is None:  # first use, or the server closed an idle connection
                self.streams = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self.streams
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
                body = await reader.readexactly(int(fields["content-length"]))
            except (OSError, asyncio.IncompleteReadError, KeyError, ValueError):
                writer.close()
                self.streams = None
                raise
            if not lines[0].startswith("HTTP/1.1 200"):
                raise RuntimeError(lines[0])
            json.loads(body)

        return call

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def rpc_read(rpc: RpcClient, reference: str, token: str) -> Call:
    async def call() -> None:
        await rpc.call("cases", "get_case", reference, token=token)

    return call


# --- measuring --------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a child process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def latencies(ways: list[Way], rounds: int, warmup: int) -> None:
    """One request at a time; each round takes every way once, starting with a different one."""
    for index in range(warmup + rounds):
        stop_if_asked()
        shift = index % len(ways)
        for way in ways[shift:] + ways[:shift]:
            started = time.perf_counter()
            await way.call()
            if index >= warmup:
                way.latencies.append(time.perf_counter() - started)


async def load(way: Way, clients: int, seconds: float, warmup: float, pids: dict[str, int]) -> None:
    """``clients`` callers back to back for ``warmup`` + ``seconds``; what completed in the last
    ``seconds`` is counted, with the CPU each process spent meanwhile."""
    loop = asyncio.get_running_loop()
    counting_from = loop.time() + warmup
    until = counting_from + seconds
    before: dict[str, float] = {}
    window = [0.0, 0.0]

    async def caller() -> None:
        while loop.time() < until:
            stop_if_asked()
            try:
                await way.call()
                ok = True
            except Exception:  # noqa: BLE001 - counted, the run goes on
                ok = False
            if counting_from <= loop.time() <= until:
                if ok:
                    way.done += 1
                else:
                    way.failed += 1

    async def meter() -> None:
        await asyncio.sleep(max(0.0, counting_from - loop.time()))
        window[0] = time.perf_counter()
        before.update({name: cpu_seconds(pid) for name, pid in pids.items()})
        before["load (this process)"] = time.process_time()
        await asyncio.sleep(max(0.0, until - loop.time()))
        window[1] = time.perf_counter()
        for name, pid in pids.items():
            way.cpu[name] = way.cpu.get(name, 0.0) + cpu_seconds(pid) - before[name]
        own = time.process_time() - before["load (this process)"]
        way.cpu["load (this process)"] = way.cpu.get("load (this process)", 0.0) + own

    await asyncio.gather(meter(), *(caller() for _ in range(clients)))
    way.seconds += window[1] - window[0]


@dataclass
class Results:
    # Read one at a time and under load; [0] is the direct RPC.
    loaded: list[Way]
    # Read one at a time only: the case through the bare client, and /api/v1/me (no RPC) through
    # httpx and through the bare client.
    bare_case: Way
    me_httpx: Way
    me_bare: Way


async def measure(suite: Suite, args: argparse.Namespace) -> Results:
    rpc = await RpcClient.connect(suite.amqp, name="gateway-bench")
    # The caseworker as the gateway mints them for a signed-in officer: one token, reused.
    token = TokenIssuer(suite.private_key).mint(
        f"officer:{CASEWORKER_USER}", [CASEWORKER], team=TEAM
    )
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    bearer_client = httpx.AsyncClient(base_url=suite.url, timeout=30, limits=limits)
    cookie_client = httpx.AsyncClient(base_url=suite.url, timeout=30, limits=limits)
    bare_clients: list[BareHttp] = []
    try:
        reference = await seed_case(rpc, token)
        access_token = await app_access_token(suite, CASEWORKER_USER)
        bearer = {"Authorization": f"Bearer {access_token}"}
        bearer_client.headers.update(bearer)
        await staff_session(suite, cookie_client, CASEWORKER_USER)
        bare_clients = [BareHttp(suite.gateway_port, bearer) for _ in range(2)]
        path = f"/api/v1/cases/{reference}"
        results = Results(
            loaded=[
                Way("direct RPC over RabbitMQ", rpc_read(rpc, reference, token)),
                Way("gateway, bearer token", http_read(bearer_client, path)),
                Way("gateway, session cookie", http_read(cookie_client, path)),
            ],
            bare_case=Way("gateway, bearer, bare client", bare_clients[0].read(path)),
            me_httpx=Way("httpx", http_read(bearer_client, "/api/v1/me")),
            me_bare=Way("bare client", bare_clients[1].read("/api/v1/me")),
        )
        await latencies(
            [*results.loaded, results.bare_case, results.me_httpx, results.me_bare],
            args.requests,
            args.warmup,
        )
        pids = {
            "gateway": suite.processes.processes["gateway"].pid,
            "cases service": suite.processes.processes["cases"].pid,
        }
        half = args.seconds / 2
        for way in results.loaded + results.loaded[::-1]:
            await load(way, args.clients, half, args.load_warmup, pids)
        return results
    finally:
        for bare in bare_clients:
            await bare.close()
        await bearer_client.aclose()
        await cookie_client.aclose()
        await rpc.close()


# --- reporting --------------------------------------------------------------------------------


def report(results: Results, args: argparse.Namespace) -> None:
    direct, *through_gateway = results.loaded
    print(
        f"GET /api/v1/cases/{{reference}} through the gateway vs cases.get_case over RabbitMQ"
        f" ({os.cpu_count()} cores)"
    )
    print(
        f"latency: {args.requests} requests per way, one at a time, after {args.warmup} warm-up;"
        f" throughput: {args.clients} concurrent clients, {args.seconds:g} s per way"
    )
    print(
        f"  {'path':<30}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>8}"
        f"{'p50 added':>12}{'p50 ratio':>11}{'req/s ratio':>13}"
    )
    for way in [*results.loaded, results.bare_case]:
        rate = f"{way.per_second:>8.0f}" if way.seconds else f"{'-':>8}"
        if way is direct:
            compared = f"{'-':>12}{'-':>11}{'-':>13}"
        else:
            ratio = f"{way.per_second / direct.per_second:>13.2f}" if way.seconds else f"{'-':>13}"
            compared = (
                f"{way.p50_ms - direct.p50_ms:>+9.2f} ms{way.p50_ms / direct.p50_ms:>11.2f}{ratio}"
            )
        print(f"  {way.name:<30}{way.p50_ms:>8.2f}{way.p95_ms:>8.2f}{rate}{compared}")
    me_httpx, me_bare = results.me_httpx, results.me_bare
    print(
        f"  without the RPC (GET /api/v1/me, bearer): p50 {me_httpx.p50_ms:.2f} ms with httpx,"
        f" {me_bare.p50_ms:.2f} ms with the bare client; httpx's own share"
        f" {me_httpx.p50_ms - me_bare.p50_ms:.2f} ms"
    )
    failures = [f"{w.name}: {w.failed}" for w in results.loaded if w.failed]
    if failures:
        print(f"  failed requests under load (not counted): {', '.join(failures)}")

    print(
        f"targets (the gateway's issue): at most {TARGET_ADDED_P50_MS:g} ms added at p50,"
        f" at least {TARGET_REQUESTS_PER_SECOND:g} requests/s"
    )
    for way in [*through_gateway, results.bare_case]:
        added = way.p50_ms - direct.p50_ms
        verdict = (
            f"{added:>+6.2f} ms at p50: {'met' if added <= TARGET_ADDED_P50_MS else 'NOT met'}"
        )
        if way.seconds:
            met = "met" if way.per_second >= TARGET_REQUESTS_PER_SECOND else "NOT met"
            verdict = f"{verdict:<24} {way.per_second:>5.0f} req/s: {met}"
        print(f"  {way.name:<30}{verdict}")
    if direct.per_second < TARGET_REQUESTS_PER_SECOND:
        print(
            f"  the direct RPC alone does {direct.per_second:.0f} req/s here: the cases service"
            " and the broker set this ceiling, below the gateway's own (see CPU below)"
        )

    names = list(direct.cpu)
    print("CPU per request under load, ms (all processes share the machine's cores)")
    print(f"  {'path':<30}" + "".join(f"{name:>22}" for name in names))
    for way in results.loaded:
        cells = "".join(
            f"{way.cpu.get(name, 0.0) / way.done * 1000 if way.done else 0.0:>22.2f}"
            for name in names
        )
        print(f"  {way.name:<30}{cells}")
    for way in through_gateway:
        spent = way.cpu.get("gateway", 0.0) / way.done if way.done else 0.0
        if spent:
            print(
                f"  {way.name}: one gateway process (one event loop, so one core) is saturated"
                f" at about {1 / spent:.0f} req/s"
            )


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--requests", type=int, default=400, help="timed requests per way")
    parser.add_argument("--warmup", type=int, default=40, help="untimed rounds first")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients under load")
    parser.add_argument("--seconds", type=float, default=8.0, help="load time per way")
    parser.add_argument("--amqp", default=amqp_uri(), help="the broker (default AMQP_URI)")
    parser.add_argument("--rabbit-api", default=None, help="its management API (RABBIT_API_URI)")
    args = parser.parse_args()
    args.load_warmup = 1.0
    if args.quick:
        args.requests, args.warmup, args.seconds, args.load_warmup = 50, 10, 2.0, 0.3

    api_uri = args.rabbit_api or rabbit_api_uri()
    api = ManagementApi(api_uri)
    # Ctrl-C, or a supervisor's SIGTERM: the children are stopped and the vhost deleted.
    signal.signal(signal.SIGINT, _on_stop_signal)
    signal.signal(signal.SIGTERM, _on_stop_signal)
    try:
        vhost, amqp = own_vhost(api, args.amqp)
    except OSError as problem:
        print(
            f"gateway benchmark: no vhost from RabbitMQ's management API at"
            f" {hide_password(api_uri)} ({problem}); is the broker running, with"
            " rabbitmq_management enabled?",
            file=sys.stderr,
        )
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    suite: Suite | None = None
    keep_logs = True  # for a run that failed
    try:
        suite = new_suite(workdir, amqp)
        start_suite(suite)
        results = asyncio.run(measure(suite, args))
        keep_logs = False
    except SetupFailed as problem:
        print(f"gateway benchmark: {problem}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Interrupted):
        keep_logs = False
        print("gateway benchmark: interrupted", file=sys.stderr)
        return 130
    finally:
        # Cleaning up is not cut short by a second Ctrl-C or SIGTERM (at most the grace time).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if suite is not None:
            suite.processes.stop_all(grace_seconds=15)
        api.delete(f"vhosts/{urllib.parse.quote(vhost, safe='')}")
        if keep_logs:
            print(f"gateway benchmark: logs kept in {workdir / 'logs'}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report(results, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
