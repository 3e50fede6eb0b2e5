from datetime import UTC, datetime

import pytest

from services.tasks.domain import (
    Lag,
    TaskState,
    TaskTemplate,
    activation_time,
    add_lag,
    check_framework,
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "lag", "expected"),
    [
        (utc(2026, 11, 24, 10), Lag(90, "minutes"), utc(2026, 11, 24, 11, 30)),
        (utc(2026, 11, 24, 10), Lag(5, "hours"), utc(2026, 11, 24, 15)),
        (utc(2026, 11, 24, 10), Lag(3, "days"), utc(2026, 11, 27, 10)),
        (utc(2026, 11, 24, 10), Lag(2, "weeks"), utc(2026, 12, 8, 10)),
        # Friday + 1 working day is Monday.
        (utc(2026, 11, 27, 10), Lag(1, "working_days"), utc(2026, 11, 30, 10)),
        # Tuesday + 14 working days skips two weekends.
        (utc(2026, 11, 24, 10), Lag(14, "working_days"), utc(2026, 12, 14, 10)),
        # Month ends clamp to the last day of a shorter month.
        (utc(2026, 1, 31, 12), Lag(1, "months"), utc(2026, 2, 28, 12)),
        (utc(2026, 11, 30, 12), Lag(3, "months"), utc(2027, 2, 28, 12)),
    ],
)
def test_lag_units(start, lag, expected):
    assert add_lag(start, lag) == expected


def test_calendar_lag_keeps_london_wall_clock_across_dst():
    # 09:00 in London on 28 March 2026 (GMT) plus one day is 09:00 BST, i.e. 08:00 UTC.
    assert add_lag(utc(2026, 3, 28, 9), Lag(1, "days")) == utc(2026, 3, 29, 8)
    # Hours are elapsed time, not wall-clock time.
    assert add_lag(utc(2026, 3, 28, 9), Lag(24, "hours")) == utc(2026, 3, 29, 9)


def test_framework_checks():
    assert check_framework([{"key": "a", "name": "A"}]) == []
    problems = check_framework(
        [
            {"key": "a", "name": "A", "depends_on": [{"task": "b"}]},
            {"key": "b", "name": "B", "depends_on": [{"task": "a"}]},
        ]
    )
    assert problems and "cycle" in problems[0]
    problems = check_framework(
        [
            {
                "key": "a",
                "name": "A",
                "depends_on": [{"task": "zz", "lag": {"amount": 1, "unit": "fortnights"}}],
            }
        ]
    )
    assert any("unknown task 'zz'" in p for p in problems)
    assert any("fortnights" in p for p in problems)


def test_activation_waits_for_every_predecessor():
    template = TaskTemplate.parse(
        {
            "key": "review",
            "name": "Review",
            "depends_on": [
                {"task": "assess", "lag": {"amount": 14, "unit": "working_days"}},
                {"task": "call", "type": "start_to_start", "lag": {"amount": 1, "unit": "days"}},
            ],
        }
    )
    assess_done = utc(2026, 11, 24, 10)
    waiting = {
        "assess": TaskState("assess", "active", utc(2026, 11, 20), None),
        "call": TaskState("call", "active", utc(2026, 11, 20), None),
    }
    assert activation_time(template, waiting) is None
    done = {**waiting, "assess": TaskState("assess", "completed", utc(2026, 11, 20), assess_done)}
    assert activation_time(template, done) == utc(2026, 12, 14, 10)


from datetime import date  # noqa: E402

from services.tasks.calendar import WorkingCalendar  # noqa: E402
from services.tasks.domain import deadlines, subtract_lag  # noqa: E402


def test_working_days_skip_bank_holidays_of_the_council_nation():
    england = WorkingCalendar("england_wales")
    # Christmas 2026: Friday 25th and Monday 28th (Boxing Day's substitute) are holidays.
    assert add_lag(utc(2026, 12, 24, 10), Lag(1, "working_days"), england) == utc(2026, 12, 29, 10)
    scotland = WorkingCalendar("scotland")
    # 2 January is a holiday in Scotland only.
    assert add_lag(utc(2026, 12, 31, 10), Lag(1, "working_days"), england) == utc(2027, 1, 4, 10)
    assert add_lag(utc(2026, 12, 31, 10), Lag(1, "working_days"), scotland) == utc(2027, 1, 5, 10)
    # St Patrick's Day is a holiday in Northern Ireland only.
    northern_ireland = WorkingCalendar("northern_ireland")
    assert not northern_ireland.is_working_day(date(2027, 3, 17))
    assert england.is_working_day(date(2027, 3, 17))


def test_local_closure_days_are_not_working_days():
    closed = WorkingCalendar("england_wales", [date(2026, 11, 25)])
    assert add_lag(utc(2026, 11, 24, 10), Lag(1, "working_days"), closed) == utc(2026, 11, 26, 10)
    with pytest.raises(ValueError):
        WorkingCalendar("wessex")


def test_working_days_across_the_autumn_clock_change_keep_the_local_time():
    # Friday 23 October 2026 09:00 BST (08:00 UTC) + 1 working day = Monday 09:00 GMT.
    assert add_lag(utc(2026, 10, 23, 8), Lag(1, "working_days")) == utc(2026, 10, 26, 9)
    # Hours are elapsed time across the change.
    assert add_lag(utc(2026, 10, 24, 23), Lag(3, "hours")) == utc(2026, 10, 25, 2)


def test_deadlines_with_warning_and_escalation():
    template = TaskTemplate.parse(
        {
            "key": "assess",
            "name": "Assess",
            "due_in": {"amount": 10, "unit": "working_days"},
            "warn_before": {"amount": 2, "unit": "working_days"},
            "escalate_after": {"amount": 1, "unit": "days"},
        }
    )
    found = deadlines(template, utc(2026, 12, 14, 10))
    assert found.due_at == utc(2026, 12, 30, 10)  # skips 25 and 28 December
    assert found.warn_at == utc(2026, 12, 24, 10)
    assert found.escalate_at == utc(2026, 12, 31, 10)
    assert subtract_lag(utc(2026, 3, 31, 12), Lag(1, "months")) == utc(2026, 2, 28, 13)
    bad = check_framework([{"key": "a", "name": "A", "warn_before": {"amount": 1, "unit": "eons"}}])
    assert any("eons" in problem for problem in bad)


from services.tasks.domain import (  # noqa: E402
    STATUSES,
    TRANSITIONS,
    TaskLifecycle,
    check_transition,
)
from shared.errors import Conflict  # noqa: E402


class Card(TaskLifecycle):
    """A task with the lifecycle and nothing stored."""

    def __init__(self, status, started_at=None, owner="team:x"):
        self.id, self.status, self.owner, self.started_at = "t-1", status, owner, started_at
        self.case_id, self.case_reference, self.correlation_id = "c-1", "HO-1", "corr-1"
        self.template_key, self.name, self.kind, self.duty = "visit", "Visit", "framework", None
        self.customer_facing, self.mandatory, self.revision = False, False, 1
        self.due_at = self.warn_at = self.escalate_at = None
        self.activate_at = self.activated_at = self.completed_at = None
        self.held_at = self.hold_reason = self.outcome = self.cancel_reason = None


def test_the_transition_table_names_every_action_and_only_known_statuses():
    assert set(TRANSITIONS) == {
        "activate",
        "start",
        "hold",
        "release",
        "complete",
        "cancel",
        "reassign",
    }
    for transition in TRANSITIONS.values():
        assert set(transition.sources) <= set(STATUSES)
        assert transition.target in (*STATUSES, "resumed", None)


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_move_the_table_does_not_list_is_refused(action):
    transition = TRANSITIONS[action]
    for status in STATUSES:
        if status in transition.sources:
            assert check_transition("t-1", status, action) is transition
        else:
            with pytest.raises(Conflict) as refused:
                check_transition("t-1", status, action)
            assert str(refused.value) == f"task t-1 is {status}: it cannot be {transition.refusal}"


def test_release_returns_to_where_the_task_was_and_moves_its_deadlines():
    start = datetime(2026, 11, 25, 9, tzinfo=UTC)
    started = Card("in_progress", started_at=start)
    started.due_at = start
    started.hold(start, "waiting", "officer:a")
    assert started.status == "on_hold"
    assert started.release(start.replace(hour=11), "officer:a").total_seconds() == 7200
    assert (started.status, started.due_at, started.held_at) == (
        "in_progress",
        start.replace(hour=11),
        None,
    )
    fresh = Card("active")
    fresh.hold(start, "waiting", "officer:a")
    fresh.release(start, "officer:a")
    assert fresh.status == "active"


def test_a_refused_move_changes_nothing():
    done = Card("completed")
    with pytest.raises(Conflict):
        done.cancel(datetime(2026, 11, 25, tzinfo=UTC), "no", "officer:a")
    assert done.status == "completed"
    card = Card("active", owner="team:x")
    with pytest.raises(Conflict, match="already owned by team:x"):
        card.reassign("team:x", "officer:a")
    # Nothing refused is recorded to be announced.
    assert done.take_changes() == [] and card.take_changes() == []


def test_each_change_records_its_event_and_audit_entry_with_the_state_it_left():
    start = datetime(2026, 11, 25, 9, tzinfo=UTC)
    card = Card("active")
    card.start(start, "officer:a")
    card.hold(start, "waiting for the landlord", "officer:b")
    started, held = card.take_changes()
    assert (started.name, started.actor, started.before, started.after) == (
        "task.started",
        "officer:a",
        {"status": "active"},
        {"key": "visit", "status": "in_progress"},
    )
    # Each event is the task as that change left it, not as the transaction ends.
    assert started.event.data["task"]["status"] == "in_progress"
    assert started.event.data["task"]["revision"] == 2
    assert held.event.data["task"]["status"] == "on_hold"
    assert held.event.data["task"]["revision"] == 3
    assert held.after == {"key": "visit", "status": "on_hold", "reason": "waiting for the landlord"}
    assert (held.entity_type, held.entity_id, held.case_id) == ("task", "t-1", "c-1")
    assert started.sequence < held.sequence
    assert card.take_changes() == []
