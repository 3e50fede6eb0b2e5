from datetime import date, timedelta

import pytest

from services.cases import lifecycle as lc
from shared.periods import Ending

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


def test_prevention_runs_56_days_beginning_with_its_first_day_and_may_then_end_by_notice():
    (prevention,) = lc.clocks_for_stage(lc.PREVENTION, date(2026, 11, 24))
    # 24 November is day 1: 7 days of November, 31 of December, 18 of January.
    assert prevention.last_day == date(2027, 1, 18)
    assert prevention.warn_from == date(2027, 1, 11)
    assert prevention.ending == Ending.MAY_END_BY_NOTICE
    assert prevention.citation.endswith("s.195(8)(b)")
    assert prevention.state(date(2027, 1, 18)) == "warning"
    assert prevention.state(date(2027, 1, 19)) == "may_end_by_notice"
    sentence = lc.what_the_day_after_means(prevention.kind, prevention.ending, date(2027, 1, 19))
    assert "may end the duty by written notice" in sentence and "2027-01-19" in sentence


def test_relief_ends_by_itself_only_with_priority_need_and_no_intentionality_found():
    begins = date(2028, 2, 10)  # 20 days of February 2028 (a leap year), 31 of March, 5 of April
    expected_last = date(2028, 4, 5)
    cases = {
        (True, False): Ending.ENDS_AUTOMATICALLY,
        (True, None): Ending.ENDS_AUTOMATICALLY,  # not satisfied of intentionality
        (True, True): Ending.MAY_END_BY_NOTICE,
        (False, False): Ending.MAY_END_BY_NOTICE,
        (None, None): Ending.MAY_END_BY_NOTICE,  # nothing recorded yet: a notice is needed
    }
    for (priority_need, intentional), ending in cases.items():
        (relief,) = lc.clocks_for_stage(
            lc.RELIEF, begins, priority_need=priority_need, intentionally_homeless=intentional
        )
        assert (relief.kind, relief.last_day, relief.ending) == (
            "relief_duty",
            expected_last,
            ending,
        )
    assert lc.RELIEF_DUTY_ENDS_ITSELF.citation.endswith("s.189B(4)")
    assert lc.RELIEF_DUTY_BY_NOTICE.citation.endswith("s.189B(7)(b)")


def test_the_review_request_window_is_21_days_beginning_with_the_day_of_notification():
    (window,) = lc.clocks_for_stage(
        lc.MAIN_DUTY_DECISION, date(2026, 11, 30), decision_notified_on=date(2026, 11, 27)
    )
    assert (window.kind, window.begins_on, window.last_day) == (
        "review_request_window",
        date(2026, 11, 27),
        date(2026, 12, 17),
    )
    assert window.ending == Ending.DEADLINE
    assert lc.clocks_for_stage(lc.MAIN_DUTY_DECISION, date(2026, 11, 30)) == []
    (longer,) = lc.clocks_for_stage(
        lc.MAIN_DUTY_DECISION,
        date(2026, 11, 30),
        decision_notified_on=date(2026, 11, 27),
        agreed_days=35,
    )
    assert longer.last_day == date(2026, 12, 31) and "(agreed)" in longer.citation


@pytest.mark.parametrize(
    ("category", "weeks"),
    [
        ("prevention_steps", 3),
        ("prevention_end_notice", 3),
        ("non_cooperation_prevention", 3),
        ("relief_steps", 3),
        ("relief_end_notice", 8),
        ("non_cooperation_relief", 8),
        ("standard", 8),
        ("referral_conditions_joint", 10),
        ("appointed_person", 12),
    ],
)
def test_every_review_category_has_its_regulation_9_deadline(category, weeks):
    (clock,) = lc.clocks_for_stage(lc.REVIEW, date(2027, 3, 1), review_type=category)
    assert clock.kind == f"review_decision_{category}"
    assert clock.last_day == date(2027, 3, 1) + timedelta(days=7 * weeks - 1)
    assert clock.ending == Ending.DEADLINE and "reg 9" in clock.citation


def test_an_agreed_review_period_must_be_longer_than_the_statutory_one():
    (clock,) = lc.clocks_for_stage(
        lc.REVIEW, date(2027, 3, 1), review_type="standard", agreed_days=70
    )
    assert clock.last_day == date(2027, 5, 9)
    with pytest.raises(ValueError, match="longer than the statutory 56 days"):
        lc.clocks_for_stage(lc.REVIEW, date(2027, 3, 1), review_type="standard", agreed_days=56)


TODAY = date(2027, 3, 10)
OPENED = date(2027, 3, 1)


@pytest.mark.parametrize(
    ("begins", "reason", "problems"),
    [
        (TODAY, None, {}),  # today needs no reason
        (date(2027, 3, 5), "Satisfied at the first interview on 5 March", {}),
        (OPENED, "Satisfied on the day of the enquiry", {}),
        (
            date(2027, 3, 5),
            None,
            {"duty_start_reason": ["required when duty_start_on is earlier than today"]},
        ),
        (
            date(2027, 3, 5),
            "   ",
            {"duty_start_reason": ["required when duty_start_on is earlier than today"]},
        ),
        (date(2027, 3, 11), "tomorrow", {"duty_start_on": ["2027-03-11 is in the future"]}),
        (
            date(2027, 2, 28),
            "before",
            {"duty_start_on": ["2027-02-28 is before the enquiry (2027-03-01)"]},
        ),
    ],
)
def test_a_backdated_start_needs_a_reason_and_cannot_be_future_or_before_the_enquiry(
    begins, reason, problems
):
    found = lc.start_date_problems(
        "duty_start_on", begins, TODAY, OPENED, "duty_start_reason", reason
    )
    assert found == problems


def test_a_notification_date_is_checked_the_same_way_but_needs_no_reason():
    check = lc.start_date_problems
    assert check("decision_notified_on", date(2027, 3, 5), TODAY, OPENED) == {}
    assert check("decision_notified_on", date(2027, 3, 11), TODAY, OPENED) == {
        "decision_notified_on": ["2027-03-11 is in the future"]
    }


def test_clock_rules_name_their_nation_and_dates():
    # England's rules since the Homelessness Reduction Act 2017 (in force 3 April 2018): a Welsh
    # or Scottish case gets no clock rather than England's, and no rule runs before its law did.
    assert lc.PREVENTION_DUTY.nation == "england"
    assert lc.PREVENTION_DUTY.effective_from == date(2018, 4, 3)
    assert lc.clocks_for_stage(lc.PREVENTION, date(2026, 11, 24), nation="wales") == []
    assert lc.clocks_for_stage(lc.RELIEF, date(2026, 11, 24), nation="scotland") == []
    assert lc.clocks_for_stage(lc.PREVENTION, date(2018, 4, 2)) == []
    assert len(lc.clocks_for_stage(lc.PREVENTION, date(2018, 4, 3))) == 1
    (longer,) = lc.clocks_for_stage(
        lc.REVIEW, date(2027, 3, 1), review_type="standard", agreed_days=70
    )
    assert longer.citation.endswith("(agreed)")
