"""Case rules that need no database: references and the shape of a case summary."""

from __future__ import annotations

REFERENCE_PREFIX = "HO"
OPEN = "open"


def format_reference(year: int, sequence: int) -> str:
    """Human-friendly, sortable within a year: ``HO-2026-000001``."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{REFERENCE_PREFIX}-{year}-{sequence:06d}"


def applicant_name(name: object) -> str | None:
    """The name the enquiry form declared as the applicant's (its ``applicant_name`` role)."""
    return name.strip()[:200] if isinstance(name, str) and name.strip() else None
