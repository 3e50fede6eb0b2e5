"""Task actions, alerts and officer queries over real RPC."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy.orm import Session

from services.tasks.seed import load_frameworks
from shared.clock import utcnow
from shared.db import create_engine_for
from shared.envelope import Envelope
from shared.errors import Conflict, NotFound, ValidationFailed
from tests.identity import SignedRpc
from tests.integration.helpers import publish
from tests.integration.test_tasks_service import case_opened, start_tasks
from tests.recorder import of_type, wait_for

pytestmark = pytest.mark.integration
OFFICER = "officer:7"
LONDON = ZoneInfo("Europe/London")
FRAMEWORK = {
    "frameworks": {
        "test_flow": {
            "nations": ["england"],
            "effective_from": "2018-04-03",
            "tasks": [
                {
                    "key": "assess",
                    "name": "Assess",
                    "owner": "team:triage",
                    "due_in": {"amount": 2, "unit": "days"},
                    "warn_before": {"amount": 1, "unit": "days"},
                    "escalate_after": {"amount": 3, "unit": "days"},
                },
                {
                    "key": "call",
                    "name": "Call",
                    "owner": "officer:7",
                    "due_in": {"amount": 5, "unit": "days"},
                },
                {
                    "key": "follow_up",
                    "name": "Follow up",
                    "depends_on": [{"task": "assess", "lag": {"amount": 2, "unit": "hours"}}],
                },
            ],
        }
    }
}


@pytest.fixture
def tasks(container_factory, service_config):
    container, config, received = start_tasks(container_factory, service_config, FRAMEWORK)
    event = case_opened()
    with entrypoint_waiter(container, "create_tasks_for_case"):
        publish(config, event)
    with SignedRpc(config) as rpc:
        listed = {t["key"]: t for t in rpc.tasks.list_tasks(event.data["case_id"])}
        yield container, rpc, received, event.data["case_id"], listed


def moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_start_hold_release_reassign_and_cancel(tasks):
    _, rpc, received, case_id, listed = tasks
    assess = {"task_id": listed["assess"]["task_id"], "actor": OFFICER}
    assert rpc.tasks.start_task(assess)["status"] == "in_progress"
    with pytest.raises(Conflict):
        rpc.tasks.start_task(assess)
    held = rpc.tasks.hold_task({**assess, "reason": "Awaiting medical evidence"})
    assert held["status"] == "on_hold"
    with pytest.raises(Conflict):
        rpc.tasks.complete_task({**assess, "outcome": "done"})
    with time_machine.travel(utcnow() + timedelta(hours=5), tick=False):
        released = rpc.tasks.release_task(assess)
    assert released["status"] == "in_progress"
    shift = moment(released["due_at"]) - moment(listed["assess"]["due_at"])
    assert timedelta(hours=5) <= shift < timedelta(hours=5, minutes=1)
    assert moment(released["warn_at"]) - moment(listed["assess"]["warn_at"]) == shift

    with pytest.raises(ValidationFailed) as error:
        rpc.tasks.reassign_task({**assess, "owner": "bob"})
    assert list(error.value.field_errors) == ["owner"]
    assert rpc.tasks.reassign_task({**assess, "owner": "officer:9"})["owner"] == "officer:9"

    # Cancelling the predecessor releases its successor (after its 2-hour lag).
    cancelled = rpc.tasks.cancel_task({**assess, "reason": "Assessed by another council"})
    assert cancelled["status"] == "cancelled"
    follow_up = {t["key"]: t for t in rpc.tasks.list_tasks(case_id)}["follow_up"]
    assert moment(follow_up["activate_at"]) - moment(cancelled["completed_at"]) == timedelta(
        hours=2
    )
    with pytest.raises(Conflict):
        rpc.tasks.cancel_task({**assess, "reason": "again"})
    with pytest.raises(NotFound):
        rpc.tasks.start_task({"task_id": "missing", "actor": OFFICER})

    wait_for(lambda: of_type(received, "task.cancelled"))
    created = ("task.created", "task.plan_created")
    names = [m["type"] for m in received if m["type"].startswith("task.")]
    assert [n for n in names if n not in created] == [
        "task.started",
        "task.on_hold",
        "task.released",
        "task.reassigned",
        "task.cancelled",
    ]


def test_ad_hoc_tasks_and_closure_days(tasks):
    _, rpc, _, case_id, _ = tasks
    added = rpc.tasks.add_task(
        {
            "case_id": case_id,
            "name": "Chase the landlord",
            "owner": OFFICER,
            "due_in": {"amount": 1, "unit": "working_days"},
            "actor": OFFICER,
        }
    )
    assert (added["kind"], added["status"]) == ("adhoc", "active")
    assert rpc.tasks.list_tasks(case_id)[-1]["task_id"] == added["task_id"]
    # With a request_id, the same request again (a retry after a lost reply) adds nothing.
    before = len(rpc.tasks.list_tasks(case_id))
    keyed = {
        "case_id": case_id,
        "name": "Send the form",
        "owner": OFFICER,
        "due_in": {"amount": 2, "unit": "working_days"},
        "request_id": "app-task-0001",
        "actor": OFFICER,
    }
    first = rpc.tasks.add_task(keyed)
    assert rpc.tasks.add_task(keyed) == first
    with pytest.raises(Conflict):
        rpc.tasks.add_task({**keyed, "name": "Something else"})
    with pytest.raises(ValidationFailed) as error:
        rpc.tasks.add_task({**keyed, "request_id": "has spaces in it"})
    assert list(error.value.field_errors) == ["request_id"]
    assert len(rpc.tasks.list_tasks(case_id)) == before + 1
    with pytest.raises(ValidationFailed) as error:
        rpc.tasks.add_task(
            {
                "case_id": case_id,
                "name": "",
                "owner": OFFICER,
                "due_in": {"amount": -1, "unit": "fortnights"},
                "actor": OFFICER,
            }
        )
    assert set(error.value.field_errors) == {"name", "due_in.amount", "due_in.unit"}
    with pytest.raises(NotFound):
        rpc.tasks.add_task(
            {
                "case_id": "unknown",
                "name": "x",
                "owner": OFFICER,
                "due_in": {"amount": 1, "unit": "days"},
                "actor": OFFICER,
            }
        )
    assert rpc.tasks.add_closure_day(
        {"day": "2026-12-24", "reason": "Council closed", "actor": "admin:1"}
    ) == {"day": "2026-12-24", "reason": "Council closed"}
    with pytest.raises(Conflict):
        rpc.tasks.add_closure_day({"day": "2026-12-24", "reason": "x", "actor": "admin:1"})
    assert rpc.tasks.list_closure_days() == [{"day": "2026-12-24", "reason": "Council closed"}]


def test_alerts_raised_once_each_catching_up_and_not_while_on_hold(tasks):
    container, rpc, received, case_id, listed = tasks
    rpc.tasks.hold_task(
        {"task_id": listed["call"]["task_id"], "actor": OFFICER, "reason": "Applicant in hospital"}
    )
    # Ten days pass with the service down; then the scheduler runs (twice, as two replicas would).
    with time_machine.travel(utcnow() + timedelta(days=10), tick=False):
        for _ in range(2):
            with entrypoint_hook(container, "run_scheduler") as run:
                run()
    for event_type in ("task.warning", "task.overdue", "task.escalated"):
        alerts = wait_for(lambda t=event_type: of_type(received, t))
        assert [a["data"]["task"]["key"] for a in alerts] == ["assess"], event_type

    with time_machine.travel(utcnow() + timedelta(days=10), tick=False):
        found = rpc.tasks.find_tasks({"overdue": True})
    assert [t["key"] for t in found["items"]] == ["assess"]
    mine = rpc.tasks.find_tasks({"owner": "officer:7"})
    assert [t["key"] for t in mine["items"]] == ["call"]
    team = rpc.tasks.find_tasks({"owner": "team:triage", "page": 1, "page_size": 1})
    assert (team["total"], len(team["items"])) == (1, 1)
    with pytest.raises(ValidationFailed) as error:
        rpc.tasks.find_tasks({"status": "sleeping", "page_size": 0, "mine": True})
    assert set(error.value.field_errors) == {"status", "page_size", "mine"}


def test_due_today(tasks):
    _, rpc, _, _, listed = tasks
    due = moment(listed["assess"]["due_at"])
    # Half an hour before it is due, or just after midnight in London when it is due in the
    # first half hour of a day (then half an hour before is yesterday).
    day_began = due.astimezone(LONDON).replace(hour=0, minute=0, second=0, microsecond=0)
    looking = max(due - timedelta(minutes=30), day_began + timedelta(minutes=1))
    with time_machine.travel(looking, tick=False):
        keys = [t["key"] for t in rpc.tasks.find_tasks({"due_today": True})["items"]]
    assert "assess" in keys and "call" not in keys


def test_workflow_change_replaces_the_framework_tasks(tasks):
    container, rpc, received, case_id, listed = tasks
    engine = create_engine_for(container.config["DATABASE_URL"])
    with Session(engine) as session, session.begin():
        load_frameworks(
            session,
            {
                "frameworks": {
                    **FRAMEWORK["frameworks"],
                    "other_flow": {
                        "nations": ["england"],
                        "effective_from": "2018-04-03",
                        "tasks": [
                            {"key": "assess", "name": "Assess again"},
                            {"key": "then", "name": "Then", "depends_on": [{"task": "assess"}]},
                        ],
                    },
                }
            },
        )
    engine.dispose()
    adhoc = rpc.tasks.add_task(
        {
            "case_id": case_id,
            "name": "Keep me",
            "owner": OFFICER,
            "due_in": {"amount": 1, "unit": "days"},
            "actor": OFFICER,
        }
    )
    correlation = received[0]["correlation_id"]
    changed = Envelope(
        type="enquiry.workflow_changed",
        version=1,
        source="enquiry",
        correlation_id=correlation,
        data={
            "enquiry_id": "e-1",
            "previous_workflow": "test_flow",
            "workflow": "other_flow",
            "reason": "r",
            "changed_by": OFFICER,
            "changed_at": "2026-11-24T10:00:00Z",
        },
    )
    with entrypoint_waiter(container, "follow_workflow_change"):
        publish(container.config, changed)
    after = {t["key"]: t for t in rpc.tasks.list_tasks(case_id)}
    assert {k: t["status"] for k, t in after.items() if t["kind"] == "framework"} == {
        "assess": "cancelled",
        "call": "cancelled",
        "follow_up": "cancelled",
        "assess@other_flow": "active",
        "then@other_flow": "pending",
    }
    assert after[adhoc["key"]]["status"] == "active"
    assert after["then@other_flow"]["activate_at"] is None
