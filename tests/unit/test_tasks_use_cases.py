"""The tasks service's use cases without a broker: an in-memory SQLite unit of work and a fake
publisher (the broker wiring is tested in tests/integration/test_task_actions.py)."""

import uuid
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta

import pytest
import time_machine

from services.tasks import commands, duties, operations
from services.tasks.domain import Lag
from services.tasks.models import Task, metadata
from services.tasks.schemas import AddTaskSchema, FindTasksSchema, StartTaskSchema
from services.tasks.seed import load_frameworks
from shared.clock import utcnow
from shared.errors import Conflict, NotFound, NotYet, ValidationFailed
from shared.validation import load
from tests.unit.fakes import FakeDispatch, envelope, memory_uow, run

OFFICER = "officer:7"
NATION = "england_wales"
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
                },
                {
                    "key": "call",
                    "name": "Call",
                    "owner": OFFICER,
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
def broker():
    return FakeDispatch()


@pytest.fixture
def uow(broker):
    uow = memory_uow(
        metadata,
        "tasks",
        seed=lambda session: load_frameworks(session, FRAMEWORK),
        dispatch=broker,
    )
    yield uow
    uow.engine.dispose()


def case_opened(nation=None):
    data = {
        "case_id": str(uuid.uuid4()),
        "reference": "HO-2026-000001",
        "workflow": "test_flow",
        "opened_at": "2026-11-24T10:00:00Z",
    }
    if nation:
        data["nation"] = nation
    return envelope("case.opened", data, source="cases")


@pytest.fixture
def case(uow, broker):
    """A case opened with the test framework: {key: task}."""
    event = case_opened()
    run(uow, operations.create_tasks_for_case, event, calendar_nation=NATION)
    tasks = run(uow, operations.list_tasks, commands.ListTasks(event.data["case_id"]))
    broker.clear()
    return {task.template_key: task for task in tasks}


def test_a_case_opening_creates_its_plan(uow, broker):
    event = case_opened()
    created = run(uow, operations.create_tasks_for_case, event, calendar_nation=NATION)
    assert {t.template_key: t.status for t in created} == {
        "assess": "active",
        "call": "active",
        "follow_up": "pending",
    }
    assert broker.types() == ["task.created"] * 3 + ["task.plan_created"]
    assert broker.audited() == ["task.created"] * 3
    # The same event again (another case.opened for the case) creates nothing more.
    assert run(uow, operations.create_tasks_for_case, event, calendar_nation=NATION) == []


def test_a_case_of_an_unknown_nation_is_refused(uow, broker):
    with pytest.raises(ValidationFailed) as refused:
        run(uow, operations.create_tasks_for_case, case_opened("cymru"), calendar_nation=NATION)
    assert list(refused.value.field_errors) == ["data.nation"]
    assert broker.published == []


def test_case_events_before_the_case_is_known_wait_for_it(uow):
    changed = envelope(
        "enquiry.workflow_changed",
        {"enquiry_id": "e-1", "workflow": "other_flow"},
        source="enquiry",
        correlation_id="unknown",
    )
    with pytest.raises(NotYet):
        run(uow, operations.follow_workflow_change, changed, calendar_nation=NATION)
    stage = envelope(
        "case.stage_changed",
        {"case_id": "c-unknown", "stage": "prevention", "previous_stage": "assessment"},
        source="cases",
        correlation_id="unknown",
    )
    with pytest.raises(NotYet) as waiting:
        run(uow, duties.follow_stage_change, stage, calendar_nation=NATION)
    assert "c-unknown" in waiting.value.waiting_for


def test_start_then_start_again_is_refused(uow, broker, case):
    started = run(uow, operations.start_task, commands.StartTask(case["assess"].id, OFFICER))
    assert (started.status, started.revision) == ("in_progress", 2)
    assert broker.types() == ["task.started"] and broker.audited() == ["task.started"]
    with pytest.raises(Conflict, match="is in_progress: it cannot be started"):
        run(uow, operations.start_task, commands.StartTask(case["assess"].id, OFFICER))


def test_an_unknown_task_is_not_found(uow, case):
    with pytest.raises(NotFound):
        run(uow, operations.start_task, commands.StartTask("missing", OFFICER))


def test_completing_schedules_the_successor(uow, broker, case):
    done = run(
        uow,
        operations.complete_task,
        commands.CompleteTask(case["assess"].id, "Assessed", OFFICER),
        calendar_nation=NATION,
    )
    assert (done.status, done.outcome) == ("completed", "Assessed")
    tasks = {
        t.template_key: t for t in run(uow, operations.list_tasks, commands.ListTasks(done.case_id))
    }
    assert tasks["follow_up"].activate_at - done.completed_at == timedelta(hours=2)
    with pytest.raises(Conflict, match="is pending: it cannot be completed"):
        run(
            uow,
            operations.complete_task,
            commands.CompleteTask(case["follow_up"].id, "x", OFFICER),
            calendar_nation=NATION,
        )


def test_hold_and_release_move_the_deadlines(uow, broker, case):
    task = case["assess"]
    held = run(uow, operations.hold_task, commands.HoldTask(task.id, "Awaiting evidence", OFFICER))
    assert (held.status, held.hold_reason) == ("on_hold", "Awaiting evidence")
    with time_machine.travel(utcnow() + timedelta(hours=5), tick=False):
        released = run(uow, operations.release_task, commands.ReleaseTask(task.id, OFFICER))
    assert released.status == "active"  # it had not been started
    shift = released.due_at - task.due_at
    assert timedelta(hours=5) <= shift < timedelta(hours=5, minutes=1)
    assert released.warn_at - task.warn_at == shift
    assert broker.types() == ["task.on_hold", "task.released"]
    with pytest.raises(Conflict, match="is active: it cannot be released"):
        run(uow, operations.release_task, commands.ReleaseTask(task.id, OFFICER))


def test_hold_is_refused_for_a_pending_task(uow, case):
    with pytest.raises(Conflict, match="is pending: it cannot be put on hold"):
        run(uow, operations.hold_task, commands.HoldTask(case["follow_up"].id, "why", OFFICER))


def test_reassign_and_reassigning_to_the_same_owner(uow, broker, case):
    moved = run(
        uow, operations.reassign_task, commands.ReassignTask(case["call"].id, "officer:9", OFFICER)
    )
    assert moved.owner == "officer:9"
    assert broker.types() == ["task.reassigned"]
    with pytest.raises(Conflict, match="already owned by officer:9"):
        run(
            uow,
            operations.reassign_task,
            commands.ReassignTask(case["call"].id, "officer:9", OFFICER),
        )


def test_cancel_releases_the_successor_and_cannot_be_repeated(uow, case):
    command = commands.CancelTask(case["assess"].id, "Assessed elsewhere", OFFICER)
    cancelled = run(uow, operations.cancel_task, command, calendar_nation=NATION)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Assessed elsewhere")
    tasks = run(uow, operations.list_tasks, commands.ListTasks(cancelled.case_id))
    follow_up = next(t for t in tasks if t.template_key == "follow_up")
    assert follow_up.activate_at - cancelled.completed_at == timedelta(hours=2)
    with pytest.raises(Conflict, match="is cancelled: it cannot be cancelled"):
        run(uow, operations.cancel_task, command, calendar_nation=NATION)


def add(case_id, name="Chase the landlord", request_id="app-task-0001"):
    return commands.AddTask(
        case_id=case_id,
        name=name,
        owner=OFFICER,
        due_in=Lag(1, "working_days"),
        actor=OFFICER,
        request_id=request_id,
    )


def test_an_ad_hoc_task_is_added_once_per_request_id(uow, broker, case):
    case_id = case["assess"].case_id
    added = run(uow, operations.add_task, add(case_id), calendar_nation=NATION)
    assert (added.kind, added.status, added.position) == ("adhoc", "active", 3)
    assert added.due_at is not None
    again = run(uow, operations.add_task, add(case_id), calendar_nation=NATION)
    assert again.id == added.id
    assert broker.types() == ["task.created"]
    with pytest.raises(Conflict, match="already added a different task"):
        run(uow, operations.add_task, add(case_id, name="Other"), calendar_nation=NATION)
    with pytest.raises(NotFound):
        run(uow, operations.add_task, add("unknown"), calendar_nation=NATION)


def test_closure_days(uow, broker):
    day = commands.AddClosureDay(date(2026, 12, 24), "Council closed", "admin:1")
    assert run(uow, operations.add_closure_day, day).reason == "Council closed"
    assert broker.audited() == ["closure_day.added"]
    with pytest.raises(Conflict, match="already a closure day"):
        run(uow, operations.add_closure_day, day)
    listed = run(uow, operations.list_closure_days)
    assert [(d.day, d.reason) for d in listed] == [(date(2026, 12, 24), "Council closed")]
    calendar = run(uow, operations.working_calendar, NATION)
    assert not calendar.is_working_day(date(2026, 12, 24))


def test_find_tasks_by_owner_and_overdue(uow, case):
    mine = run(uow, operations.find_tasks, commands.FindTasks(owner=OFFICER))
    assert [t.template_key for t in mine["items"]] == ["call"]
    assert (mine["total"], mine["page"], mine["page_size"]) == (1, 1, 20)
    with time_machine.travel(utcnow() + timedelta(days=3), tick=False):
        overdue = run(uow, operations.find_tasks, commands.FindTasks(overdue=True))
    assert [t.template_key for t in overdue["items"]] == ["assess"]


def test_the_scheduler_activates_due_tasks_and_raises_alerts_once(uow, broker, case):
    run(
        uow,
        operations.complete_task,
        commands.CompleteTask(case["call"].id, "Called", OFFICER),
        calendar_nation=NATION,
    )
    broker.clear()
    with time_machine.travel(utcnow() + timedelta(days=3), tick=False):
        assert run(uow, operations.scan_tasks, calendar_nation=NATION) == (0, 2)
        assert run(uow, operations.scan_tasks, calendar_nation=NATION) == (0, 0)
    assert broker.types() == ["task.warning", "task.overdue"]
    run(
        uow,
        operations.complete_task,
        commands.CompleteTask(case["assess"].id, "Assessed", OFFICER),
        calendar_nation=NATION,
    )
    # Two hours after its predecessor the follow-up starts; with no duration it is due at once.
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        assert run(uow, operations.scan_tasks, calendar_nation=NATION) == (1, 1)
    with uow.read() as session:
        follow_up = session.get(Task, case["follow_up"].id)
        assert (follow_up.status, follow_up.due_at is not None) == ("active", True)


def test_requests_load_into_frozen_commands():
    start = load(StartTaskSchema(), {"task_id": "t-1", "actor": OFFICER})
    assert start == commands.StartTask("t-1", OFFICER)
    with pytest.raises(FrozenInstanceError):
        start.actor = "someone else"
    added = load(
        AddTaskSchema(),
        {
            "case_id": "c",
            "name": "n",
            "owner": OFFICER,
            "due_in": {"amount": 1, "unit": "days"},
            "actor": OFFICER,
        },
    )
    assert added.due_in == Lag(1, "days") and added.request_id is None
    assert load(FindTasksSchema(), {}) == commands.FindTasks()
    with pytest.raises(ValidationFailed) as refused:
        load(FindTasksSchema(), {"status": "sleeping"})
    assert list(refused.value.field_errors) == ["status"]


def test_every_use_case_result_is_committed(uow, case):
    run(uow, operations.start_task, commands.StartTask(case["assess"].id, OFFICER))
    with uow.read() as session:
        assert session.get(Task, case["assess"].id).status == "in_progress"
    assert isinstance(case["assess"].created_at, datetime)
