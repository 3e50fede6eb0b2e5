"""Periods "beginning with" a day, from worked examples counted by hand against the statutes'
wording (the day named is day 1), and properties that hold for any start and length."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.periods import Ending, Period, StatutoryClock, clock_state


@pytest.mark.parametrize(
    ("begins", "days", "last"),
    [
        # 56 days beginning with 1 March: 31 days of March, then 25 of April.
        (date(2027, 3, 1), 56, date(2027, 4, 25)),
        # Across February in a leap year (22 days of January + 29 + 5 of March)...
        (date(2028, 1, 10), 56, date(2028, 3, 5)),
        # ...and in an ordinary year (22 + 28 + 6).
        (date(2027, 1, 10), 56, date(2027, 3, 6)),
        # 21 days across the clocks going back (25 October 2026): 12 of October + 9 of November.
        (date(2026, 10, 20), 21, date(2026, 11, 9)),
        # 21 days across Christmas and New Year's bank holidays: calendar days, nothing moves.
        (date(2026, 12, 15), 21, date(2027, 1, 4)),
        # A one-day period ends on the day it begins.
        (date(2027, 6, 30), 1, date(2027, 6, 30)),
    ],
)
def test_the_last_day_counts_the_first_day_as_day_one(begins, days, last):
    assert Period(days).last_day(begins) == last


@pytest.mark.parametrize(
    ("begins", "weeks", "last"),
    [
        (date(2027, 1, 2), 3, date(2027, 1, 22)),  # a review of PHP steps
        (date(2027, 2, 1), 8, date(2027, 3, 28)),  # most reviews
        (date(2027, 2, 1), 10, date(2027, 4, 11)),  # local connection referral
        (date(2027, 2, 1), 12, date(2027, 4, 25)),  # an appointed person
    ],
)
def test_weeks_are_seven_days_counted_the_same_way(begins, weeks, last):
    assert Period.of_weeks(weeks).last_day(begins) == last


def test_a_period_has_at_least_one_day():
    with pytest.raises(ValueError, match="at least one day"):
        Period(0)


def prevention(begins: date) -> StatutoryClock:
    return StatutoryClock(
        "prevention_duty", begins, Period(56), Ending.MAY_END_BY_NOTICE, "HA 1996 s.195(8)(b)"
    )


def test_the_prevention_duty_never_expires_it_may_be_ended_by_notice_after_its_last_day():
    clock = prevention(date(2027, 3, 1))
    assert clock.last_day == date(2027, 4, 25)
    assert clock.warn_from == date(2027, 4, 18)
    assert clock.state(date(2027, 4, 17)) == "running"
    assert clock.state(date(2027, 4, 18)) == "warning"
    assert clock.state(date(2027, 4, 25)) == "warning"  # the last day is still in the period
    assert clock.day_after == date(2027, 4, 26)
    assert clock.state(date(2027, 4, 26)) == "may_end_by_notice"
    assert clock.state(date(2027, 12, 1)) == "may_end_by_notice"


def test_what_the_day_after_means_depends_on_the_ending():
    last = date(2027, 4, 25)
    after = last + timedelta(days=1)
    assert clock_state(Ending.ENDS_AUTOMATICALLY, last, None, after) == "ended"
    assert clock_state(Ending.DEADLINE, last, None, after) == "overdue"
    assert clock_state("may_end_by_notice", last, None, after) == "may_end_by_notice"
    assert clock_state(Ending.DEADLINE, last, None, last) == "running"


def test_a_warning_never_starts_before_the_period():
    short = StatutoryClock("x", date(2027, 5, 1), Period(3), Ending.DEADLINE, "test")
    assert short.warn_from == date(2027, 5, 1)


@given(
    begins=st.dates(min_value=date(1997, 1, 1), max_value=date(2100, 12, 31)),
    days=st.integers(min_value=1, max_value=400),
    warn=st.integers(min_value=0, max_value=60),
    ending=st.sampled_from(list(Ending)),
)
def test_for_any_start_and_length_the_last_day_and_the_alert_fall_where_the_law_says(
    begins, days, warn, ending
):
    clock = StatutoryClock("any", begins, Period(days), ending, "test", warn_days_before=warn)
    assert clock.last_day == begins + timedelta(days=days - 1)
    assert (clock.last_day - clock.begins_on).days + 1 == days
    assert clock.day_after == clock.last_day + timedelta(days=1)
    # Nothing says the period is over on or before its last day...
    for today in (begins, clock.warn_from, clock.last_day):
        assert clock.state(today) in ("running", "warning")
    # ...and from the day after, it always does.
    assert clock.state(clock.day_after) not in ("running", "warning")
    assert begins <= clock.warn_from <= clock.last_day
