"""Case rules that need no database: references and the shape of a case summary."""

from __future__ import annotations

REFERENCE_PREFIX = "HO"
OPEN, CLOSED = "open", "closed"  # a case's status


def format_reference(year: int, sequence: int) -> str:
    """Human-friendly, sortable within a year: ``HO-2026-000001``."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{REFERENCE_PREFIX}-{year}-{sequence:06d}"


def applicant_name(name: object) -> str | None:
    """The name the enquiry form declared as the applicant's (its ``applicant_name`` role)."""
    return name.strip()[:200] if isinstance(name, str) and name.strip() else None


def referral(roles: dict) -> dict:
    """The duty to refer (HA 1996 s.213B) as the form's roles report it: the public body that
    referred the applicant and whether they consented; nothing when they came themselves."""
    referred_by = roles.get("referred_by")
    if not isinstance(referred_by, str) or referred_by in ("", "self"):
        return {"referred_by": None, "referral_consent": None}
    consent = roles.get("referral_consent")
    return {
        "referred_by": referred_by[:40],
        "referral_consent": consent if isinstance(consent, bool) else None,
    }
