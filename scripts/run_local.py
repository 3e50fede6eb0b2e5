"""``make run``: the five services, each as its own ``nameko run`` process (the command every
container in docker-compose.yml runs), on this machine.

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
        print(
            f"all {len(SERVICES)} services running against {hide_password(uri)}"
            f" (logs in {logs}); Ctrl-C to stop",
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
