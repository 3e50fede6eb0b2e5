"""The tasks service: instantiation from case.opened, chaining with lags, replica-safe timers."""

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy.orm import Session

from services.tasks.seed import load_frameworks
from services.tasks.service import TasksService
from shared.clock import utcnow
from shared.db import create_engine_for
from shared.envelope import Envelope
from shared.errors import Conflict, ValidationFailed
from tests.integration.helpers import publish, rows
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration

FRAMEWORK = {
    "frameworks": {
        "test_flow": [
            {
                "key": "assess",
                "name": "Assess",
                "owner": "team:triage",
                "due_in": {"amount": 10, "unit": "working_days"},
            },
            {"key": "call", "name": "Call", "due_in": {"amount": 2, "unit": "days"}},
            {
                "key": "follow_up",
                "name": "Follow up",
                "customer_facing": True,
                "depends_on": [{"task": "assess", "type": "finish_to_start"}],
            },
            {
                "key": "chase",
                "name": "Chase",
                "depends_on": [
                    {"task": "call", "type": "start_to_start", "lag": {"amount": 1, "unit": "days"}}
                ],
            },
            {
                "key": "review",
                "name": "Review",
                "depends_on": [{"task": "assess", "lag": {"amount": 14, "unit": "working_days"}}],
            },
        ]
    }
}


def case_opened(workflow="test_flow"):
    return Envelope(
        type="case.opened",
        version=1,
        source="cases",
        correlation_id=str(uuid.uuid4()),
        data={
            "case_id": str(uuid.uuid4()),
            "reference": "HO-2026-000001",
            "enquiry_id": str(uuid.uuid4()),
            "workflow": workflow,
            "status": "open",
            "opened_at": "2026-11-24T10:00:00Z",
        },
    )


def install_framework(database_url):
    engine = create_engine_for(database_url)
    with Session(engine) as session, session.begin():
        load_frameworks(session, FRAMEWORK)
    engine.dispose()


@pytest.fixture
def tasks(container_factory, service_config):
    config = service_config("tasks")
    container = container_factory(TasksService, config)
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container.start()
    install_framework(config["DATABASE_URL"])
    return container, config, received


def test_tasks_created_once_and_dependents_scheduled_with_lag(tasks):
    container, config, received = tasks
    event = case_opened()
    for _ in range(2):
        with entrypoint_waiter(container, "create_tasks_for_case"):
            publish(config, event)
    case_id = event.data["case_id"]
    with ClusterRpcProxy(config) as rpc:
        listed = {t["key"]: t for t in rpc.tasks.list_tasks(case_id)}
        assert {k: t["status"] for k, t in listed.items()} == {
            "assess": "active",
            "call": "active",
            "follow_up": "pending",
            "chase": "pending",
            "review": "pending",
        }
        assert listed["assess"]["owner"] == "team:triage" and listed["call"]["owner"] is None
        assert listed["review"]["activate_at"] is None
        # Start-to-start on a task active from the outset: scheduled at once, a day later.
        chase_at = datetime.fromisoformat(listed["chase"]["activate_at"].replace("Z", "+00:00"))
        call_at = datetime.fromisoformat(listed["call"]["activated_at"].replace("Z", "+00:00"))
        assert chase_at - call_at == timedelta(days=1)
        wait_for(lambda: len(of_type(received, "task.created")) == 5)

        with pytest.raises(Conflict):
            rpc.tasks.complete_task(
                {"task_id": listed["review"]["task_id"], "outcome": "x", "actor": "officer:1"}
            )
        with pytest.raises(ValidationFailed) as error:
            rpc.tasks.complete_task({"task_id": listed["assess"]["task_id"], "actor": ""})
        assert set(error.value.field_errors) == {"outcome", "actor"}

        rpc.tasks.complete_task(
            {"task_id": listed["assess"]["task_id"], "outcome": "assessed", "actor": "officer:1"}
        )
        after = {t["key"]: t for t in rpc.tasks.list_tasks(case_id)}
    assert after["assess"]["status"] == "completed"
    # No lag: activated in the same transaction as the completion.
    assert after["follow_up"]["status"] == "active"
    # 14 working days later: scheduled, not yet active.
    assert after["review"]["status"] == "pending"
    assert after["review"]["activate_at"] is not None
    activated = wait_for(lambda: of_type(received, "task.activated"))
    assert [m["data"]["task"]["key"] for m in activated] == ["follow_up"]
    assert {m["data"]["action"] for m in of_type(received, "audit.recorded")} >= {
        "task.created",
        "task.completed",
        "task.scheduled",
        "task.activated",
    }


def test_two_replicas_racing_activate_each_task_exactly_once(container_factory, service_config):
    config = service_config("tasks")
    first = container_factory(TasksService, config)
    second = container_factory(TasksService, config)
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    first.start()
    install_framework(config["DATABASE_URL"])
    second.start()
    for _ in range(10):
        publish(config, case_opened())
    # Either replica may take each event from the shared queue.
    wait_for(lambda: rows(config["DATABASE_URL"], "SELECT count(*) FROM tasks") == [(50,)])
    # Make every pending task (3 per case) due now, as if the service had been down past its lag.
    engine = create_engine_for(config["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE tasks SET activate_at = :t WHERE status = 'pending'"),
            {"t": utcnow() - timedelta(hours=1)},
        )
    engine.dispose()
    wait_for(
        lambda: (
            rows(config["DATABASE_URL"], "SELECT count(*) FROM tasks WHERE status = 'pending'")
            == [(0,)]
        )
    )
    activated = wait_for(
        lambda: (
            len(of_type(received, "task.activated")) >= 30 and of_type(received, "task.activated")
        )
    )
    ids = [m["data"]["task"]["task_id"] for m in activated]
    assert len(ids) == 30 and len(set(ids)) == 30
