"""The tasks service: instantiation from case.opened, chaining with lags, replica-safe timers,
and the duty tasks a case's prevention or relief duty starts, anchored to the duty's own dates."""

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from nameko.testing.services import entrypoint_waiter
from sqlalchemy.orm import Session

from services.tasks.calendar import WorkingCalendar
from services.tasks.domain import DutyClock, Lag, TaskTemplate, add_lag, duty_anchor
from services.tasks.seed import load_frameworks
from services.tasks.service import TasksService
from shared.clock import london_today, utcnow
from shared.db import create_engine_for
from shared.envelope import Envelope
from shared.errors import Conflict, ValidationFailed
from tests.identity import SignedRpc
from tests.integration.helpers import publish, rows
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration

DUTY_PART = {
    "prevention": [
        {
            "key": "assessment",
            "name": "Assess (s.189A)",
            "mandatory": True,
            "due_in": {"amount": 10, "unit": "working_days"},
        },
        {
            "key": "issue_php",
            "name": "Issue the written plan",
            "due_in": {"amount": 5, "unit": "working_days"},
            "depends_on": [{"task": "assessment"}],
        },
        {
            "key": "decide_end",
            "name": "Decide whether to end the prevention duty by notice",
            "anchor": "day_after",
            "due_in": {"amount": 5, "unit": "working_days"},
        },
    ],
    "relief": [
        {
            "key": "assessment",
            "name": "Assess for relief",
            "due_in": {"amount": 5, "unit": "working_days"},
        },
        {
            "key": "decide_main_duty",
            "name": "Decide the main duty",
            "anchor": "day_after",
            "due_in": {"amount": 5, "unit": "working_days"},
            "outlives_duty": True,
        },
    ],
}

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
                        {
                            "task": "call",
                            "type": "start_to_start",
                            "lag": {"amount": 1, "unit": "days"},
                        }
                    ],
                },
                {
                    "key": "review",
                    "name": "Review",
                    "depends_on": [
                        {"task": "assess", "lag": {"amount": 14, "unit": "working_days"}}
                    ],
                },
            ],
            "on_duty": DUTY_PART,
        }
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


def install_framework(database_url, framework=FRAMEWORK):
    engine = create_engine_for(database_url)
    with Session(engine) as session, session.begin():
        load_frameworks(session, framework)
    engine.dispose()


def start_tasks(container_factory, service_config, framework=FRAMEWORK):
    """The tasks service running with ``framework`` loaded, beside a recorder of what it
    publishes: ``(container, config, received)``."""
    config = service_config("tasks")
    container = container_factory(TasksService, config)
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container.start()
    install_framework(config["DATABASE_URL"], framework)
    return container, config, received


@pytest.fixture
def tasks(container_factory, service_config):
    return start_tasks(container_factory, service_config)


def test_tasks_created_once_and_dependents_scheduled_with_lag(tasks):
    container, config, received = tasks
    event = case_opened()
    for _ in range(2):
        with entrypoint_waiter(container, "create_tasks_for_case"):
            publish(config, event)
    case_id = event.data["case_id"]
    with SignedRpc(config) as rpc:
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
            rpc.tasks.complete_task({"task_id": listed["assess"]["task_id"]})
        # The actor is the token's (tests/integration/test_authorisation.py): only the outcome.
        assert set(error.value.field_errors) == {"outcome"}

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


# --- duty tasks -------------------------------------------------------------------------------


def duty_clock(kind, starts_on):
    """A duty clock as case.stage_changed carries it: 56 days beginning with ``starts_on``."""
    due_on = starts_on + timedelta(days=55)
    return {
        "kind": kind,
        "starts_on": starts_on.isoformat(),
        "due_on": due_on.isoformat(),
        "warn_on": (due_on - timedelta(days=7)).isoformat(),
        "day_after": (due_on + timedelta(days=1)).isoformat(),
        "ending": "may_end_by_notice",
        "citation": "Housing Act 1996 s.195(8)(b)",
        "backdated": starts_on < london_today(),
        "note": "",
    }


def case_event(opened, event_type, stage, time=None, **data):
    """A cases-service event about the case ``opened`` announced."""
    return Envelope(
        type=event_type,
        version=1,
        source="cases",
        correlation_id=opened.correlation_id,
        data={
            "case_id": opened.data["case_id"],
            "reference": opened.data["reference"],
            "stage": stage,
            "status": "closed" if stage == "closed" else "open",
            **data,
        },
        **({"time": time} if time else {}),
    )


def stage_changed(opened, stage, previous, clocks=(), time=None):
    return case_event(
        opened,
        "case.stage_changed",
        stage,
        time,
        previous_stage=previous,
        clocks=list(clocks),
    )


def moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def tasks_by_key(rpc, case_id):
    return {t["key"]: t for t in rpc.tasks.list_tasks(case_id)}


def open_case(container, config):
    opened = case_opened()
    with entrypoint_waiter(container, "create_tasks_for_case"):
        publish(config, opened)
    return opened


def test_duty_tasks_start_anchored_to_a_backdated_duty_start_and_only_once(tasks):
    container, config, received = tasks
    opened = open_case(container, config)
    starts_on = london_today() - timedelta(days=20)
    entered = stage_changed(
        opened, "prevention", "triage", [duty_clock("prevention_duty", starts_on)]
    )
    # Redelivered (the inbox drops it), then announced again by another event for the same
    # stage entry (the running duty plan drops that).
    again = stage_changed(
        opened, "prevention", "triage", [duty_clock("prevention_duty", starts_on)]
    )
    for event in (entered, entered, again):
        with entrypoint_waiter(container, "follow_stage_change"):
            publish(config, event)

    england = WorkingCalendar("england_wales")
    clock = DutyClock(
        "prevention", starts_on, starts_on + timedelta(days=55), starts_on + timedelta(days=56)
    )
    anchor = duty_anchor(TaskTemplate.parse(DUTY_PART["prevention"][0]), clock, england)
    decide_at = duty_anchor(TaskTemplate.parse(DUTY_PART["prevention"][2]), clock, england)
    with SignedRpc(config) as rpc:
        listed = tasks_by_key(rpc, opened.data["case_id"])
        duty = {k: t for k, t in listed.items() if t["duty"] == "prevention"}
        assert {k: t["status"] for k, t in duty.items()} == {
            "prevention_duty.1.assessment": "active",
            "prevention_duty.1.issue_php": "pending",
            "prevention_duty.1.decide_end": "pending",
        }
        assessment = duty["prevention_duty.1.assessment"]
        # Active from 09:00 London time on the day the duty began, 20 days ago: its ten
        # working days have run, so it is overdue already (and the scheduler says so).
        assert moment(assessment["activated_at"]) == anchor
        assert moment(assessment["due_at"]) == add_lag(anchor, Lag(10, "working_days"), england)
        assert moment(assessment["due_at"]) < utcnow()
        # The decision waits for the day after the period's last day.
        assert moment(duty["prevention_duty.1.decide_end"]["activate_at"]) == decide_at
        assert decide_at.date() == starts_on + timedelta(days=56)
        assert duty["prevention_duty.1.issue_php"]["activate_at"] is None
        # The opening tasks are untouched.
        assert {k for k, t in listed.items() if t["duty"] is None} == {
            "assess",
            "call",
            "follow_up",
            "chase",
            "review",
        }
    overdue = wait_for(lambda: of_type(received, "task.overdue"))
    assert [m["data"]["task"]["key"] for m in overdue] == ["prevention_duty.1.assessment"]
    created = [m["data"]["task"] for m in of_type(received, "task.created")]
    assert sorted(t["key"] for t in created if t["duty"]) == sorted(duty)
    plans = rows(config["DATABASE_URL"], "SELECT duty, entry, starts_on FROM duty_plans")
    assert [(d, e, str(s)) for d, e, s in plans] == [("prevention", 1, starts_on.isoformat())]


def test_leaving_a_duty_cancels_its_tasks_and_reentering_starts_a_new_set(tasks):
    container, config, received = tasks
    opened = open_case(container, config)
    case_id = opened.data["case_id"]
    today = london_today()
    steps = [
        (
            "follow_stage_change",
            stage_changed(
                opened, "prevention", "assessment", [duty_clock("prevention_duty", today)]
            ),
        ),
        (
            "follow_stage_change",
            # Begun yesterday: duty tasks start at 09:00 London time on the duty's first day,
            # so a duty begun today has none active before 09:00.
            stage_changed(
                opened, "relief", "prevention", [duty_clock("relief_duty", today - timedelta(1))]
            ),
        ),
    ]
    for handler, event in steps:
        with entrypoint_waiter(container, handler):
            publish(config, event)
    with SignedRpc(config) as rpc:
        listed = tasks_by_key(rpc, case_id)
        prevention = {k: t for k, t in listed.items() if t["duty"] == "prevention"}
        assert {t["status"] for t in prevention.values()} == {"cancelled"}
        assert {t["cancel_reason"] for t in prevention.values()} == {
            "the case moved from prevention to relief"
        }
        relief = {k: t["status"] for k, t in listed.items() if t["duty"] == "relief"}
        assert relief == {
            "relief_duty.1.assessment": "active",
            "relief_duty.1.decide_main_duty": "pending",
        }
        assert listed["assess"]["status"] == "active"

        # A stage event published before the last one applied changes nothing.
        late = stage_changed(
            opened,
            "prevention",
            "assessment",
            [duty_clock("prevention_duty", today)],
            time="2020-01-01T00:00:00Z",
        )
        with entrypoint_waiter(container, "follow_stage_change"):
            publish(config, late)
        assert tasks_by_key(rpc, case_id).keys() == listed.keys()

        closed = case_event(
            opened,
            "case.closed",
            "closed",
            previous_stage="relief",
            outcome="homelessness_relieved",
            closed_at="2026-11-25T10:00:00Z",
        )
        with entrypoint_waiter(container, "follow_case_closed"):
            publish(config, closed)
        after_close = tasks_by_key(rpc, case_id)
        assert {t["cancel_reason"] for t in after_close.values() if t["duty"] == "relief"} == {
            "the case was closed (homelessness_relieved)"
        }

        reopened = case_event(
            opened,
            "case.reopened",
            "relief",
            previous_outcome="homelessness_relieved",
            reason="Applicant lost the room",
            clocks=[duty_clock("relief_duty", today)],
        )
        with entrypoint_waiter(container, "follow_case_reopened"):
            publish(config, reopened)
        ended = case_event(
            opened, "case.duty_ended", "relief", duty="relief", ground="application_withdrawn"
        )
        with entrypoint_waiter(container, "follow_duty_ended"):
            publish(config, ended)
        final = tasks_by_key(rpc, case_id)
    second = {k: t for k, t in final.items() if k.startswith("relief_duty.2.")}
    # The relief duty ended while the case stayed in relief: its tasks end, except the main
    # duty decision that outlives it.
    assert {k: (t["status"], t["cancel_reason"]) for k, t in second.items()} == {
        "relief_duty.2.assessment": ("cancelled", "the relief duty ended (application_withdrawn)"),
        "relief_duty.2.decide_main_duty": ("pending", None),
    }
    cancelled = [
        m["data"]["task"]["key"]
        for m in wait_for(
            lambda: (
                len(of_type(received, "task.cancelled")) >= 6
                and of_type(received, "task.cancelled")
            )
        )
    ]
    assert len(cancelled) == len(set(cancelled)) == 6
    actions = {m["data"]["action"] for m in of_type(received, "audit.recorded")}
    assert {"duty_tasks.started", "duty_tasks.ended", "duty_tasks.duty_ended"} <= actions


def test_a_stage_change_before_the_case_is_known_is_retried(container_factory, service_config):
    config = service_config("tasks", EVENT_RETRY_BACKOFF_SECONDS=0.2)
    container = container_factory(TasksService, config)
    container.start()
    install_framework(config["DATABASE_URL"])
    opened = case_opened()
    entered = stage_changed(opened, "relief", "triage", [duty_clock("relief_duty", london_today())])
    publish(config, entered)
    with entrypoint_waiter(container, "create_tasks_for_case"):
        publish(config, opened)
    wait_for(
        lambda: (
            rows(config["DATABASE_URL"], "SELECT count(*) FROM tasks WHERE duty = 'relief'")
            == [(2,)]
        )
    )
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM rejected_events") == [(0,)]


def test_no_framework_in_force_for_the_case_nation_gives_an_empty_plan(tasks):
    container, config, received = tasks
    welsh = case_opened()
    welsh.data["nation"] = "wales"
    with entrypoint_waiter(container, "create_tasks_for_case"):
        publish(config, welsh)
    plan = wait_for(lambda: of_type(received, "task.plan_created"))
    assert plan[0]["data"]["tasks"] == []
    known = rows(config["DATABASE_URL"], "SELECT nation, opened_on FROM task_cases")
    assert [(n, str(d)) for n, d in known] == [("wales", "2026-11-24")]
    # A nation the suite does not know is bad data: the event is parked, not half-applied.
    unknown = case_opened()
    unknown.data["nation"] = "atlantis"
    with entrypoint_waiter(container, "create_tasks_for_case"):
        publish(config, unknown)
    parked = rows(config["DATABASE_URL"], "SELECT errors FROM rejected_events")
    assert "data.nation" in str(parked)


def test_a_corrected_duty_start_moves_the_anchored_tasks(tasks):
    container, config, received = tasks
    opened = open_case(container, config)
    case_id = opened.data["case_id"]
    first_said = london_today() - timedelta(days=10)
    entered = stage_changed(
        opened, "prevention", "triage", [duty_clock("prevention_duty", first_said)]
    )
    with entrypoint_waiter(container, "follow_stage_change"):
        publish(config, entered)
    # The council was in fact first satisfied 60 days ago: the 56 days have run already.
    in_fact = london_today() - timedelta(days=60)
    corrected = case_event(
        opened,
        "case.clock_corrected",
        "prevention",
        clock=duty_clock("prevention_duty", in_fact),
        previous_starts_on=first_said.isoformat(),
    )
    with SignedRpc(config) as rpc:
        before = tasks_by_key(rpc, case_id)
        for _ in range(2):
            with entrypoint_waiter(container, "follow_clock_corrected"):
                publish(config, corrected)
        after = tasks_by_key(rpc, case_id)
    england = WorkingCalendar("england_wales")
    clock = DutyClock(
        "prevention", in_fact, in_fact + timedelta(days=55), in_fact + timedelta(days=56)
    )
    assessment, decide = "prevention_duty.1.assessment", "prevention_duty.1.decide_end"
    anchor = duty_anchor(TaskTemplate.parse(DUTY_PART["prevention"][0]), clock, england)
    assert moment(after[assessment]["due_at"]) == add_lag(anchor, Lag(10, "working_days"), england)
    assert moment(after[assessment]["due_at"]) < moment(before[assessment]["due_at"])
    # The decision's day (the day after the last day) has come: it is active now, and its
    # deadline runs from that day, not from the correction.
    decide_at = duty_anchor(TaskTemplate.parse(DUTY_PART["prevention"][2]), clock, england)
    assert after[decide]["status"] == "active"
    assert moment(after[decide]["activate_at"]) == decide_at
    assert moment(after[decide]["due_at"]) == add_lag(decide_at, Lag(5, "working_days"), england)
    # task.rescheduled (the recorder does not bind it yet): seen through its audit entry.
    rescheduled = wait_for(
        lambda: [
            m["data"]["after"]["key"]
            for m in of_type(received, "audit.recorded")
            if m["data"]["action"] == "task.rescheduled"
        ]
    )
    assert rescheduled == [assessment]
    activated = wait_for(lambda: of_type(received, "task.activated"))
    assert [m["data"]["task"]["key"] for m in activated] == [decide]
    plans = rows(config["DATABASE_URL"], "SELECT starts_on FROM duty_plans")
    assert [str(s) for (s,) in plans] == [in_fact.isoformat()]
