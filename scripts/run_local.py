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
from shared.startup import broker_failure, database_failure, hide_password

# The health probes' client would otherwise print py-amqp's and eventlet's chatter here.
warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
logging.getLogger("amqp").setLevel(logging.ERROR)
STARTUP_SECONDS = float(os.environ.get("STARTUP_SECONDS", "90"))


class CannotStart(Exception):
    """One line for the user."""


def migrate_all(services: list[str]) -> None:
    """What each service also does when it starts, done here first so a database problem is one
    line naming the service rather than a traceback in its log."""
    from shared.config import service_config
    from shared.db import create_engine_for
    from shared.manage import provider_of
    from shared.migrations import prepare_database

    for service in services:
        url = service_config(service)["DATABASE_URL"]
        try:
            engine = create_engine_for(url)
            try:
                prepare_database(engine, service, provider_of(service).seed)
            finally:
                engine.dispose()
        except Exception as error:  # noqa: BLE001 - every cause becomes the one line
            raise CannotStart(database_failure(service, url, error)) from None


def wait_until_healthy(processes: ServiceProcesses, uri: str, timeout: float) -> None:
    from shared.manage import health

    pending = list(processes.processes)
    deadline = time.monotonic() + timeout
    while pending:
        stopped = processes.exited()
        if stopped:
            raise CannotStart(could_not_start(processes, stopped[0], uri))
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


def could_not_start(processes: ServiceProcesses, name: str, uri: str) -> str:
    reason = processes.why_exited(name)
    if "connection refused" in reason and "database" not in reason:
        reason = broker_failure(uri, "connection refused")
    return f"{name} stopped: {reason}; stopping the others (log: {processes.log_of(name)})"


def supervise(processes: ServiceProcesses, uri: str) -> None:
    while True:
        stopped = processes.exited()
        if stopped:
            raise CannotStart(could_not_start(processes, stopped[0], uri))
        time.sleep(1)


class Terminated(Exception):
    """SIGTERM (a supervisor's stop): stop every service as Ctrl-C does."""


def raise_terminated(*_: object) -> None:
    raise Terminated


def main() -> int:
    from shared.config import SERVICES

    uri = amqp_uri()
    logs = Path(os.environ.get("LOG_DIR", ROOT / "var" / "log"))
    logs.mkdir(parents=True, exist_ok=True)
    processes = ServiceProcesses(dict(os.environ), logs, own_sessions=True)
    signal.signal(signal.SIGTERM, raise_terminated)
    try:
        Ensure().broker(uri)
        migrate_all(list(SERVICES))
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
