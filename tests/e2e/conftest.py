"""The end-to-end suite's fixtures: all five services as separate `nameko run` processes (the
command every container in docker-compose.yml runs), each as its own broker user, and an outside
subscriber's view of events."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from scripts.processes import ServiceProcesses
from shared.config import SERVICES
from shared.errors import NotFound
from tests.broker import own_broker_users
from tests.identity import SignedRpc
from tests.recorder import make_recorder


@pytest.fixture
def recorded(container_factory, rabbit_config):
    """Every event the suite publishes, as an outside subscriber would receive it."""
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, rabbit_config).start()
    return received


@pytest.fixture
def suite(rabbit_config, make_database_url, tmp_path, recorded, request):
    env = {
        **os.environ,
        "AMQP_URI": rabbit_config["AMQP_URI"],
        "DOCUMENT_STORE_PATH": str(tmp_path / "documents"),
        "COUNCIL_NAME": "Testshire District Council",
        "LOG_LEVEL": "WARNING",
    }
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = make_database_url(service)
    # Each service as its own broker user (the closed bus), as in production.
    env_for = own_broker_users(rabbit_config, request.config.getoption("RABBIT_API_URI"))
    processes = ServiceProcesses(env, tmp_path, env_for=env_for)
    processes.start_all(list(SERVICES))
    try:
        with SignedRpc(rabbit_config, timeout=20) as rpc:
            wait_until_all_answer(rpc, processes, tmp_path)
            yield rpc
    finally:
        processes.stop_all()


def wait_until_all_answer(
    rpc, processes: ServiceProcesses, logs: Path, timeout: float = 60.0
) -> None:
    probes = {
        "enquiry": lambda: rpc.enquiry.get_template("housing-options-enquiry"),
        "advice": lambda: rpc.advice.list_workflows(),
        "cases": lambda: rpc.cases.get_case("HO-0000-000000"),
        "tasks": lambda: rpc.tasks.list_tasks("none"),
        "documents": lambda: rpc.documents.list_documents("none"),
    }
    deadline = time.monotonic() + timeout
    pending = dict(probes)
    while pending and time.monotonic() < deadline:
        for name, probe in list(pending.items()):
            try:
                probe()
                del pending[name]
            except NotFound:
                del pending[name]
            except Exception:  # noqa: BLE001 - not up yet
                pass
        if processes.exited():
            dump = "\n".join((logs / f"{s}.log").read_text() for s in SERVICES)
            raise AssertionError(f"a service exited early:\n{dump}")
        time.sleep(0.3)
    assert not pending, f"services not answering: {sorted(pending)}"
