"""Statutory periods counted the way the statutes count them. Pure: no framework, no database.

Housing Act 1996 Part 7 and the Homelessness (Review Procedure etc.) Regulations 2018 set their
periods as "a period of N days beginning with the day on which ...". The day named is day 1 of
the period, so its last day is that day + N - 1 (a 56-day period beginning with 1 March ends on
25 April). Weeks are 7 days each, counted the same way. These are calendar days: weekends, bank
holidays and the clocks going back or forward change nothing (working days are a task-planning
matter: services/tasks/calendar.py).

What happens once a period has run differs, and a screen that says "expired" for all of them is
wrong in law, so every clock carries its ``Ending``:

- ``may_end_by_notice``: the duty goes on after the last day; from the next day the council *may*
  end it by written notice (the prevention duty, s.195(8)(b); the relief duty where it does not
  end by itself, s.189B(7)(b)).
- ``ends_automatically``: the duty ends at the end of the last day by operation of law (the relief
  duty where the council is satisfied of priority need and no intentional homelessness,
  s.189B(4) read with s.189B(5)).
- ``deadline``: something must be done on or before the last day (a review request, s.202(3); a
  review decision, 2018 Regulations reg 9); from the next day it is late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Ending(StrEnum):
    MAY_END_BY_NOTICE = "may_end_by_notice"
    ENDS_AUTOMATICALLY = "ends_automatically"
    DEADLINE = "deadline"


# What a clock's state is called once its last day has passed, by ending: never "expired" for a
# duty that goes on.
STATE_AFTER_LAST_DAY = {
    Ending.MAY_END_BY_NOTICE: "may_end_by_notice",
    Ending.ENDS_AUTOMATICALLY: "ended",
    Ending.DEADLINE: "overdue",
}
CLOCK_STATES = ("running", "warning", *STATE_AFTER_LAST_DAY.values(), "stopped")


@dataclass(frozen=True)
class Period:
    """N calendar days beginning with a given day."""

    days: int

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError(f"a period has at least one day, not {self.days}")

    @classmethod
    def of_weeks(cls, weeks: int) -> Period:
        return cls(7 * weeks)

    def last_day(self, beginning_with: date) -> date:
        return beginning_with + timedelta(days=self.days - 1)


@dataclass(frozen=True)
class StatutoryClock:
    """One running period: when it began, its last day, and what its end means."""

    kind: str
    begins_on: date
    period: Period
    ending: Ending
    citation: str
    warn_days_before: int = 7

    @property
    def last_day(self) -> date:
        return self.period.last_day(self.begins_on)

    @property
    def day_after(self) -> date:
        return day_after(self.last_day)

    @property
    def warn_from(self) -> date:
        """The first day of the warning: ``warn_days_before`` days before the last day, never
        before the period began."""
        return max(self.begins_on, self.last_day - timedelta(days=self.warn_days_before))

    def state(self, today: date) -> str:
        return clock_state(self.ending, self.last_day, self.warn_from, today)


def day_after(last_day: date) -> date:
    """The first day on which a period has run: when its end is announced."""
    return last_day + timedelta(days=1)


def clock_state(ending: Ending | str, last_day: date, warn_from: date | None, today: date) -> str:
    """running, warning (from ``warn_from`` to the last day), or after the last day what the
    ending makes it: may_end_by_notice, ended or overdue."""
    if today > last_day:
        return STATE_AFTER_LAST_DAY[Ending(ending)]
    if warn_from is not None and today >= warn_from:
        return "warning"
    return "running"
