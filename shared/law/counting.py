"""How the possession and homelessness statutes count time, as data a law pack can state.

Two wordings recur and they count differently:

- "N months after the day the notice is given" (Housing Act 1988 s.21, Renting Homes (Wales)
  Act 2016 s.174) names a date: the same day of the month N months on, or the last day of that
  month when it has no such day (a notice given on 31 December, two months: 28 or 29 February).
  ``counting: after`` gives that date; for days and weeks it is the day plus N days.
- "the period of N months beginning with the day ..." (s.21(4B), s.21(4D)) includes the day
  named. Its last day is the day before the same day of the month N months on, or the last day
  of that month when it has no such day. ``counting: beginning_with`` gives that last day; for
  days and weeks it is the day plus N - 1 days (as shared.periods counts Part 7's periods).

``add_days`` moves the result, for rules that name the day after a period (a Scottish notice to
leave names "the day falling after the day on which the notice period ... will expire",
Private Housing (Tenancies) (Scotland) Act 2016 s.62(4)).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

UNITS = ("days", "weeks", "months")
COUNTINGS = ("after", "beginning_with")


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day if it has none."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_day_of_months_beginning_with(day: date, months: int) -> date:
    """The last day of the period of ``months`` months beginning with ``day``."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if day.day > calendar.monthrange(year, month)[1]:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, day.day) - timedelta(days=1)


@dataclass(frozen=True)
class TimeSpan:
    """A length of time and the statutory wording that says how to count it."""

    length: int
    unit: str
    counting: str = "after"
    add_days: int = 0

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if self.counting not in COUNTINGS:
            raise ValueError(f"counting must be one of {', '.join(COUNTINGS)}")
        if isinstance(self.length, bool) or not isinstance(self.length, int) or self.length < 0:
            raise ValueError("length must be a whole number, 0 or more")
        if self.counting == "beginning_with" and self.length < 1:
            raise ValueError("a period beginning with a day has at least one day")

    def end(self, anchor: date) -> date:
        """The date the span names, counted from ``anchor`` (see the module docstring)."""
        if self.unit == "months":
            if self.counting == "after":
                result = add_months(anchor, self.length)
            else:
                result = last_day_of_months_beginning_with(anchor, self.length)
        else:
            days = self.length * (7 if self.unit == "weeks" else 1)
            result = anchor + timedelta(days=days if self.counting == "after" else days - 1)
        return result + timedelta(days=self.add_days)

    def describe(self) -> str:
        """Plain words for the length, e.g. "2 months", "28 days", "no notice period"."""
        if self.length == 0 and self.unit != "months":
            return "no minimum notice"
        unit = self.unit if self.length != 1 else self.unit[:-1]
        return f"{self.length} {unit}"
