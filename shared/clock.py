"""Time in one place, so tests can pin it and every timestamp is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """Databases without timezone support (SQLite) hand back naive datetimes: they are UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def london_today() -> date:
    """Statutory and customer-facing dates are England's calendar dates, not UTC's."""
    return datetime.now(ZoneInfo("Europe/London")).date()


def london_date(moment: datetime) -> date:
    """The calendar date in England of a stored instant (a case opened at 00:30 BST on 1 June
    was opened on 1 June, although it was still 31 May in UTC)."""
    return as_utc(moment).astimezone(ZoneInfo("Europe/London")).date()
