"""Lawful enquiries in England after the Renters' Rights Act 2025, for the end-to-end suite and
its fast twin in tests/unit: a section 8 notice, a family exclusion and a prison release with a
duty-to-refer referral. Dates are relative to the day the test runs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from scripts.demo import sample_answers

COMMON = {
    "email": "applicant@example.org",
    "postcode": "M1 1AE",
    "household_adults": 1,
    "immigration_status": "british_or_irish",
    "age_band": "aged_25_or_over",
    "homeless_tonight": False,
    "relationship_ending": False,
    "home_unsafe": False,
    "fleeing_violence": False,
    "armed_forces": "never",
    "income_sources": ["universal_credit"],
}


def section_8(today: date) -> dict[str, Any]:
    """A private tenant with a ground 8 notice whose date is 21 days away (demo's sample)."""
    return sample_answers(today)


def family_exclusion(today: date) -> dict[str, Any]:
    """Staying with a parent who has said she must leave in 20 days."""
    return {
        **COMMON,
        "full_name": "Dylan Okafor",
        "age_band": "aged_18_20",
        "care_leaver": False,
        "tenure": "living_with_family_or_friends",
        "asked_to_leave": True,
        "must_leave_date": (today + timedelta(days=20)).isoformat(),
        "referral_source": "self",
    }


def prison_release(today: date) -> dict[str, Any]:
    """Released in 30 days; the prison referred him under the duty to refer, with consent."""
    return {
        **COMMON,
        "full_name": "Marek Nowak",
        "tenure": "prison",
        "release_date": (today + timedelta(days=30)).isoformat(),
        "referral_source": "prison",
        "referral_consent": True,
    }


# scenario -> (answers, the workflow triage reaches, the duty it suggests)
SCENARIOS = {
    "section_8": (section_8, "private_rented_eviction", "prevention"),
    "family_exclusion": (family_exclusion, "family_friends_exclusion", "prevention"),
    "prison_release": (prison_release, "prison_release", "prevention"),
}
