"""Working days: not Saturdays or Sundays, not the bank holidays of the council's nation, not the
council's own closure days. Pure: the closure days are passed in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays

# The `holidays` package's UK subdivisions for each legal jurisdiction's bank holidays.
NATIONS = {"england_wales": "ENG", "scotland": "SCT", "northern_ireland": "NIR"}


class WorkingCalendar:
    def __init__(self, nation: str = "england_wales", closures: Iterable[date] = ()) -> None:
        if nation not in NATIONS:
            raise ValueError(f"nation must be one of {sorted(NATIONS)}, not {nation!r}")
        self.nation = nation
        self._bank_holidays = holidays.country_holidays("GB", subdiv=NATIONS[nation])
        self.closures = frozenset(closures)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._bank_holidays and day not in self.closures

    def bank_holiday(self, day: date) -> str | None:
        return self._bank_holidays.get(day)
