"""The gateway's tests: the five services, the local OpenID Connect provider and the gateway,
each a process of its own (the gateway never shares a process with eventlet, which this test
process runs), started once for the module's tests in a vhost of their own, each connecting as
its own broker user. Tests talk HTTP to the gateway with httpx, as a browser or an API client
would.

The gateway signs with a new key while the services trust both it and the tests' key: the
rollover docs/security.md describes.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from scripts import broker_users
from scripts.processes import ServiceProcesses
from scripts.run_local import gateway_command, local_idp_command
from services.gateway.notify import LocalOutbox
from shared.config import SERVICES
from shared.db import normalise_url
from shared.identity import new_key_pair
from tests.broker import own_broker_users
from tests.identity import PUBLIC_KEY

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL")
CLIENT_ID, CLIENT_SECRET = "gateway-test", "gateway-test-secret"
# A mobile app or script of the council's, signing people in itself and sending bearer tokens.
APP_CLIENT_ID, APP_CLIENT_SECRET = "mobile-test", "mobile-test-secret"
APP_REDIRECT = "http://127.0.0.1/app-callback"
# A machine client (client credentials) with a partner-facing role.
MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET = "reports-test", "reports-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Front:
    """The running gateway and what the tests need to reach around it."""

    url: str
    idp_url: str
    outbox: LocalOutbox
    gateway_database: str
    logs: Path
    processes: ServiceProcesses
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, ip: str | None = None, **kwargs: Any) -> httpx.Client:
        """A browser of its own (cookies); ``ip``: the address the gateway sees (through the
        X-Forwarded-For its trusted proxy, 127.0.0.1, may set), so rate limits count per test."""
        headers = {"X-Forwarded-For": ip or f"10.{uuid.uuid4().int % 250}.{os.getpid() % 250}.9"}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)
        self.clients.append(client)
        return client

    def log(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.logs.glob("*.log"))
        )

    def expire_links(self) -> None:
        """Every sign-in link issued so far expires (the gateway's database, SQLite here)."""
        with sqlite3.connect(self.gateway_database) as db:
            db.execute("UPDATE sign_in_links SET expires_at = '2000-01-01 00:00:00.000000'")


def _vhost(api_uri: str) -> Iterator[str]:
    api = broker_users.ManagementApi(api_uri)
    vhost = f"gateway_test_{uuid.uuid4().hex[:8]}"
    quoted = urllib.parse.quote(vhost, safe="")
    admin = urllib.parse.unquote(urllib.parse.urlsplit(api_uri).username or "guest")
    api.put(f"vhosts/{quoted}", {})
    api.put(
        f"permissions/{quoted}/{urllib.parse.quote(admin, safe='')}",
        {"configure": ".*", "write": ".*", "read": ".*"},
    )
    try:
        yield vhost
    finally:
        api.delete(f"vhosts/{quoted}")


@pytest.fixture(scope="session")
def front(request, tmp_path_factory) -> Iterator[Front]:
    from scripts.local_services import rabbit_api_uri

    api_uri = request.config.getoption("RABBIT_API_URI") or rabbit_api_uri()
    amqp = request.config.getoption("RABBIT_AMQP_URI").replace("pyamqp://", "amqp://")
    base = tmp_path_factory.mktemp("gateway")
    vhosts = _vhost(api_uri)
    vhost = next(vhosts)
    parts = urllib.parse.urlsplit(amqp)
    admin_uri = urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{vhost}", "", ""))
    rabbit = {"AMQP_URI": admin_uri, "vhost": vhost}
    databases = Databases(base)
    # The key rollover: services trust the tests' key and the gateway's new one.
    private, public = new_key_pair()
    (base / "gateway.key").write_bytes(private)
    (base / "gateway.pub").write_bytes(public)
    env = {
        **os.environ,
        "AMQP_URI": admin_uri,
        "DOCUMENT_STORE_PATH": str(base / "documents"),
        "COUNCIL_NAME": "Testshire District Council",
        "LOG_LEVEL": "WARNING",
        "IDENTITY_PUBLIC_KEYS": f"{PUBLIC_KEY},{base / 'gateway.pub'}",
    }
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = databases.url(service)
    env_for = own_broker_users(rabbit, api_uri)
    logs = base / "logs"
    logs.mkdir()
    processes = ServiceProcesses(env, logs, env_for=env_for)
    gateway_port, idp_port = free_port(), free_port()
    url, idp_url = f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{idp_port}"
    gateway_db = base / "gateway.db"
    try:
        processes.start_all(list(SERVICES))
        clients = [
            f"{CLIENT_ID}:{CLIENT_SECRET}:{url}/auth/callback",
            f"{APP_CLIENT_ID}:{APP_CLIENT_SECRET}:{APP_REDIRECT}",
            f"{MACHINE_CLIENT_ID}:{MACHINE_CLIENT_SECRET}:{APP_REDIRECT}:auditor",
        ]
        processes.start_program("local-idp", local_idp_command(idp_port, idp_url, clients), {})
        processes.start_program(
            "gateway",
            gateway_command(gateway_port),
            {
                "AMQP_URI": env_for["gateway"]["AMQP_URI"],
                "GATEWAY_DATABASE_URL": f"sqlite:///{gateway_db}",
                "PUBLIC_URL": url,
                "IDENTITY_SIGNING_KEY": str(base / "gateway.key"),
                "OIDC_ISSUER": idp_url,
                "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "SESSION_SECRET": "a-test-session-secret-of-more-than-32-characters",
                "SESSION_COOKIE_SECURE": "false",
                "NOTIFY_KIND": "outbox",
                "NOTIFY_OUTBOX": str(base / "outbox"),
                "CORS_ALLOW_ORIGINS": "https://app.example.gov.uk",
                "MAX_BODY_BYTES": "65536",
                "RATE_LIMIT_MAGIC_LINK": "3/900",
                "RATE_LIMIT_SIGN_IN": "30/60",
                "RATE_LIMIT_SUBMISSION": "5/3600",
                "RPC_TIMEOUT_SECONDS": "60",
            },
        )
        wait_until_ready(processes, f"{url}/api/v1/health", logs)
        yield Front(url, idp_url, LocalOutbox(base / "outbox"), str(gateway_db), logs, processes)
    finally:
        processes.stop_all()
        databases.drop()
        next(vhosts, None)


def wait_until_ready(processes: ServiceProcesses, health_url: str, logs: Path) -> None:
    deadline = time.monotonic() + 90
    last = ""
    while time.monotonic() < deadline:
        if processes.exited():
            raise AssertionError(f"{processes.exited()} exited early:\n{_logs(logs)}")
        try:
            answer = httpx.get(health_url, timeout=10)
            if answer.status_code == 200:
                return
            last = answer.text
        except httpx.HTTPError as error:
            last = repr(error)
        time.sleep(0.5)
    raise AssertionError(f"the gateway did not become healthy: {last}\n{_logs(logs)}")


def _logs(logs: Path) -> str:
    return "\n".join(
        f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs.glob("*.log")
    )


class Databases:
    """One database per service for the module: SQLite files, or PostgreSQL databases when
    TEST_POSTGRES_URL is set (as the rest of the suite)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.created: list[str] = []
        self.admin = (
            sa.create_engine(normalise_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
            if POSTGRES_ADMIN_URL
            else None
        )

    def url(self, service: str) -> str:
        if self.admin is None:
            return f"sqlite:///{self.base / f'{service}.db'}"
        name = f"test_gw_{service}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as connection:
            for name in self.created:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


# --- signing in ------------------------------------------------------------------------------


def sign_in_staff(front: Front, user: str, client: httpx.Client | None = None) -> httpx.Client:
    """A browser that signed in as the local provider's ``user`` through the gateway:
    authorization code with PKCE, every redirect followed by hand so each step is checked.
    Its ``X-CSRF-Token`` header is set for unsafe requests."""
    browser = client or front.client()
    start = browser.get("/auth/login", params={"return_to": "/api/v1/me"})
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    page = httpx.get(authorize, timeout=30)
    assert page.status_code == 200, page.text
    form = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    form = {k: _unescape(v) for k, v in form.items()}
    form["user"] = user
    chosen = httpx.post(f"{front.idp_url}/authorize", data=form, timeout=30)
    assert chosen.status_code in (302, 303), chosen.text
    back = chosen.headers["location"]
    assert back.startswith(f"{front.url}/auth/callback")
    done = browser.get(back.removeprefix(front.url))
    assert done.status_code == 303, done.text
    me = browser.get("/api/v1/me")
    assert me.status_code == 200, me.text
    browser.headers["X-CSRF-Token"] = me.json()["csrf_token"]
    return browser


def _unescape(value: str) -> str:
    import html

    return html.unescape(value)


def sign_in_customer(front: Front, email: str, client: httpx.Client | None = None) -> httpx.Client:
    browser = client or front.client()
    sent = browser.post("/auth/sign-in-links", json={"email": email})
    assert sent.status_code == 202, sent.text
    token = latest_link_token(front, email)
    redeemed = browser.post("/auth/sign-in-links/redeem", json={"token": token})
    assert redeemed.status_code == 200, redeemed.text
    browser.headers["X-CSRF-Token"] = redeemed.json()["csrf_token"]
    return browser


def latest_link_token(front: Front, email: str) -> str:
    messages = front.outbox.messages(email)
    assert messages, "no sign-in email was written"
    return messages[-1]["url"].rsplit("/", 1)[-1]


@pytest.fixture(autouse=True)
def _close_clients(front):
    yield
    for client in front.clients:
        client.close()
    front.clients.clear()


def submitted_case(front: Front, officer: httpx.Client, email: str) -> dict:
    """A case opened for a new customer's section 8 enquiry (submitted by the customer: the
    staff users' own submission allowance is spent by the schema fuzzing), as ``officer`` sees
    it once its tasks exist."""
    from shared.clock import london_today
    from tests.scenarios import section_8

    customer = sign_in_customer(front, email)
    submitted = customer.post(
        "/api/v1/enquiry-submissions",
        json={"template_key": "housing-options-enquiry", "answers": section_8(london_today())},
    )
    assert submitted.status_code == 201, submitted.text
    deadline = time.monotonic() + 60
    while True:
        case = officer.get(f"/api/v1/enquiries/{submitted.json()['id']}/case")
        if case.status_code == 200 and case.json().get("tasks"):
            return case.json()
        assert time.monotonic() < deadline, case.text
        time.sleep(0.3)
