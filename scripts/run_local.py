"""``make run``: the five services, each as its own ``nameko run`` process (the command every
container in docker-compose.yml runs), then the HTTP gateway on http://127.0.0.1:8000
(``GATEWAY_PORT``) with a local OpenID Connect provider for staff sign-in on port 8001
(``LOCAL_IDP_PORT``, development only) and customers' sign-in emails written to var/outbox.

Nothing starts until RabbitMQ answers (started here if it is installed but stopped: see
scripts/local_services.py) and every service's database is migrated. Then it waits until every
service answers its health RPC. If one cannot start, or stops later, all are stopped and one line
says which and why; the exit status is 1. Ctrl-C stops them all.

Logs go to ``LOG_DIR`` (default var/log)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import warnings
from pathlib import Path

from scripts.local_services import Ensure, NotReady, amqp_uri
from scripts.processes import ROOT, ServiceProcesses
from shared.startup import broker_failure, hide_password

# The health probes' client would otherwise print py-amqp's and eventlet's chatter here.
warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
logging.getLogger("amqp").setLevel(logging.ERROR)
STARTUP_SECONDS = float(os.environ.get("STARTUP_SECONDS", "90"))
GATEWAY_PORT = int(os.environ.get("GATEWAY_PORT", "8000"))
LOCAL_IDP_PORT = int(os.environ.get("LOCAL_IDP_PORT", "8001"))
LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET = "gateway-local", "local-development-only-secret"


class CannotStart(Exception):
    """One line for the user."""


def migrate_all(services: list[str]) -> None:
    """What each service also does when it starts, done here first so a database problem is one
    line naming the service rather than a traceback in its log."""
    from shared.manage import MigrationFailed, migrate_service

    for service in services:
        try:
            migrate_service(service)
        except MigrationFailed as failure:
            raise CannotStart(str(failure)) from None


def closed_bus(uri: str) -> dict[str, dict[str, str]]:
    """Each service as its own broker user (docs/security.md), made through the management API
    with AMQP_URI's user. Where that API is not to be had, one line says so and the services
    share AMQP_URI's user, as before the closed bus: a local run still comes up."""
    from kombu.exceptions import KombuError

    from scripts.local_keys import local_broker_users
    from scripts.local_services import rabbit_api_uri

    api = rabbit_api_uri()
    try:
        Ensure().management(api, uri)
        return local_broker_users(uri, api)
    except (NotReady, OSError, KombuError) as problem:
        print(
            f"the services share {hide_password(uri)}'s broker user, not one each:"
            f" {str(problem).splitlines()[0][:300]}",
            file=sys.stderr,
            flush=True,
        )
        return {}


def wait_until_healthy(processes: ServiceProcesses, uri: str, timeout: float) -> None:
    from shared.manage import health

    pending = list(processes.processes)
    deadline = time.monotonic() + timeout
    while pending:
        fail_if_one_stopped(processes, uri)
        if time.monotonic() > deadline:
            raise CannotStart(
                f"{', '.join(pending)} did not answer within {timeout:.0f} s"
                f" (logs: {processes.logs})"
            )
        status, _ = health(pending[0], uri, timeout=2.0)
        if status == 0:
            pending.pop(0)
        else:
            time.sleep(0.5)


def fail_if_one_stopped(processes: ServiceProcesses, uri: str) -> None:
    stopped = processes.exited()
    if not stopped:
        return
    name = stopped[0]
    reason = processes.why_exited(name)
    if "connection refused" in reason and "database" not in reason:
        reason = broker_failure(uri, "connection refused")
    raise CannotStart(
        f"{name} stopped: {reason}; stopping the others (log: {processes.log_of(name)})"
    )


def supervise(processes: ServiceProcesses, uri: str) -> None:
    while True:
        fail_if_one_stopped(processes, uri)
        time.sleep(1)


def front_door_env(gateway_amqp_uri: str, gateway_port: int, idp_port: int) -> dict[str, str]:
    """The gateway's settings for a local run (docs/configuration.md): plain HTTP on this
    machine, the local identity provider, sign-in emails to a folder."""
    from scripts.local_keys import signing_key

    public_url = f"http://127.0.0.1:{gateway_port}"
    return {
        "AMQP_URI": gateway_amqp_uri,
        "PUBLIC_URL": public_url,
        "IDENTITY_SIGNING_KEY": str(signing_key()),
        "OIDC_ISSUER": f"http://127.0.0.1:{idp_port}",
        "OIDC_CLIENT_ID": LOCAL_CLIENT_ID,
        "OIDC_CLIENT_SECRET": LOCAL_CLIENT_SECRET,
        "SESSION_COOKIE_SECURE": "false",
        "LOCAL_DEVELOPMENT": "true",
        "NOTIFY_KIND": "outbox",
        "NOTIFY_OUTBOX": os.environ.get("NOTIFY_OUTBOX", str(ROOT / "var" / "outbox")),
    }


def local_idp_command(port: int, issuer: str, clients: list[str]) -> list[str]:
    """The local identity provider's command line; ``clients``: ``id:secret:redirect[:roles]``."""
    argv = [sys.executable, "-m", "services.gateway.local_idp", "--port", str(port)]
    argv += ["--issuer", issuer]
    for client in clients:
        argv += ["--client", client]
    return argv


def gateway_command(port: int) -> list[str]:
    return [sys.executable, "-m", "services.gateway", "--port", str(port)]


def start_front_door(
    processes: ServiceProcesses, gateway_amqp_uri: str, gateway_port: int, idp_port: int
) -> None:
    """The local identity provider, then the gateway, each answering before this returns."""
    env = front_door_env(gateway_amqp_uri, gateway_port, idp_port)
    callback = f"{env['PUBLIC_URL']}/auth/callback"
    client = f"{LOCAL_CLIENT_ID}:{LOCAL_CLIENT_SECRET}:{callback}"
    processes.start_program(
        "local-idp", local_idp_command(idp_port, env["OIDC_ISSUER"], [client]), {}
    )
    wait_for_http(processes, "local-idp", f"{env['OIDC_ISSUER']}/.well-known/openid-configuration")
    processes.start_program("gateway", gateway_command(gateway_port), env)
    wait_for_http(processes, "gateway", f"{env['PUBLIC_URL']}/api/v1/health")


def wait_for_http(processes: ServiceProcesses, name: str, url: str, timeout: float = 30) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        if processes.processes[name].poll() is not None:
            raise CannotStart(f"{name} stopped: {processes.why_exited(name)}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers (a 503 health says a service is away, which supervise sees)
        except OSError:
            if time.monotonic() > deadline:
                raise CannotStart(
                    f"{name} did not answer at {url} within {timeout:.0f} s"
                ) from None
            time.sleep(0.3)


class Terminated(Exception):
    """SIGTERM (a supervisor's stop): stop every service as Ctrl-C does."""


def raise_terminated(*_: object) -> None:
    raise Terminated


def main() -> int:
    from scripts.local_keys import ensure_local_keys
    from shared.config import SERVICES

    uri = amqp_uri()
    logs = Path(os.environ.get("LOG_DIR", ROOT / "var" / "log"))
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if not env.get("IDENTITY_PUBLIC_KEYS"):
        # A local run trusts its own key pair (made once under var/keys/): `make demo` signs
        # with it.
        env["IDENTITY_PUBLIC_KEYS"] = str(ensure_local_keys()[1])
    processes = ServiceProcesses(env, logs, own_sessions=True)
    signal.signal(signal.SIGTERM, raise_terminated)
    try:
        Ensure().broker(uri)
        migrate_all(list(SERVICES))
        processes.env_for = closed_bus(uri)
        processes.start_all(list(SERVICES))
        wait_until_healthy(processes, uri, STARTUP_SECONDS)
        gateway_uri = processes.env_for.get("gateway", {}).get("AMQP_URI", uri)
        start_front_door(processes, gateway_uri, GATEWAY_PORT, LOCAL_IDP_PORT)
        print(
            f"all {len(SERVICES)} services running against {hide_password(uri)}"
            f" (logs in {logs}); Ctrl-C to stop\n"
            f"open http://127.0.0.1:{GATEWAY_PORT}/docs (the API);"
            f" staff: http://127.0.0.1:{GATEWAY_PORT}/auth/login, pick a local user;"
            f" customers: ask for a link, then open"
            f" http://127.0.0.1:{GATEWAY_PORT}/auth/local/outbox",
            flush=True,
        )
        supervise(processes, uri)
    except (NotReady, CannotStart) as problem:
        print(problem, file=sys.stderr, flush=True)
        return 1
    except (KeyboardInterrupt, Terminated):
        print("stopping all services", flush=True)
        return 0
    finally:
        processes.stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
