from datetime import date

import pytest

from services.cases import lifecycle as lc

ALL_PAIRS = [(a, b) for a in lc.STAGES for b in lc.STAGES]


@pytest.mark.parametrize(("stage", "target"), ALL_PAIRS)
def test_every_transition_is_legal_or_a_clear_error(stage, target):
    legal = target in lc.TRANSITIONS[stage]
    if legal:
        lc.check_transition(stage, target)
    else:
        with pytest.raises(lc.IllegalTransition) as error:
            lc.check_transition(stage, target)
        assert f"a case in {stage} cannot move to {target}" in str(error.value)


def test_expected_paths_exist():
    path = [
        lc.TRIAGE,
        lc.ASSESSMENT,
        lc.PREVENTION,
        lc.RELIEF,
        lc.MAIN_DUTY_DECISION,
        lc.REVIEW,
        lc.CLOSED,
    ]
    for stage, target in zip(path, path[1:], strict=False):
        lc.check_transition(stage, target)
    with pytest.raises(lc.IllegalTransition):
        lc.check_transition(lc.TRIAGE, "limbo")
    assert lc.reopen_stage(lc.RELIEF) == lc.RELIEF
    assert lc.reopen_stage(None) == lc.TRIAGE


def test_prevention_and_relief_run_56_days_with_a_week_of_warning():
    (prevention,) = lc.clocks_for_stage(lc.PREVENTION, date(2026, 11, 24))
    assert prevention.due_on == date(2027, 1, 19) and prevention.warn_on == date(2027, 1, 12)
    (relief,) = lc.clocks_for_stage(lc.RELIEF, date(2026, 12, 31))
    assert relief.due_on == date(2027, 2, 25)
    # Leap years: 56 days from 10 February 2028 crosses 29 February.
    (leap,) = lc.clocks_for_stage(lc.RELIEF, date(2028, 2, 10))
    assert leap.due_on == date(2028, 4, 6)


def test_section_21_threat_keeps_prevention_open_ended():
    (clock,) = lc.clocks_for_stage(lc.PREVENTION, date(2026, 11, 24), s21_threat=True)
    assert clock.due_on is None and clock.warn_on is None and "section 21" in clock.note


def test_review_window_and_review_deadlines():
    (window,) = lc.clocks_for_stage(
        lc.MAIN_DUTY_DECISION, date(2026, 11, 30), decision_notified_on=date(2026, 11, 27)
    )
    assert (window.kind, window.due_on) == ("review_request_window", date(2026, 12, 18))
    assert lc.clocks_for_stage(lc.MAIN_DUTY_DECISION, date(2026, 11, 30)) == []
    expected = {
        "php_steps": 21,
        "prevention_non_cooperation": 21,
        "standard": 56,
        "joint_local_connection": 70,
        "appointed_person": 84,
    }
    for review_type, days in expected.items():
        (clock,) = lc.clocks_for_stage(lc.REVIEW, date(2026, 1, 1), review_type=review_type)
        assert (clock.due_on - date(2026, 1, 1)).days == days


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2027, 1, 11), "running"),
        (date(2027, 1, 12), "warning"),
        (date(2027, 1, 19), "warning"),
        (date(2027, 1, 20), "expired"),
    ],
)
def test_clock_state_edges(today, state):
    assert lc.clock_state(date(2027, 1, 19), date(2027, 1, 12), today) == state
    assert lc.clock_state(None, None, today) == "running"
