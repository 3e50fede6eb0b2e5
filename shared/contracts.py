"""The published shape of events that more than one service reads, with their upcasters: a
consumer brings any version it may still meet (queued before an upgrade, replayed from parking)
to the newest shape, and refuses the rest. Producers and consumers import this module, never each
other's code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.errors import ValidationFailed

ENQUIRY_SUBMITTED = "enquiry.submitted"
ENQUIRY_SUBMITTED_VERSION = 2
# Public (other council systems subscribe): version 2 dropped the officer's free-text reason.
CASE_REOPENED = "case.reopened"
CASE_REOPENED_VERSION = 2

# The tasks service's events about one task, each carrying ``data.task`` (docs/events.md): the
# tasks service publishes them, the cases service keeps its summary of each task from them.
TASK_EVENTS = (
    "task.created",
    "task.activated",
    "task.started",
    "task.completed",
    "task.on_hold",
    "task.released",
    "task.reassigned",
    "task.cancelled",
    "task.warning",
    "task.overdue",
    "task.escalated",
    "task.rescheduled",
)


def _enquiry_submitted_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 came from templates that declared no law: they were England's, their
    applicant's name was the ``full_name`` answer, and nothing was checked or suggested."""
    answers = data.get("answers")
    name = answers.get("full_name") if isinstance(answers, dict) else None
    return {
        **data,
        "nation": "england",
        "roles": {"applicant_name": name},
        "suggested_duty": "none",
        "notice_check": None,
        "derived": {},
    }


def _case_reopened_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 carried the officer's reason; no subscriber may rely on free text that could
    name people in a public event, so it goes (the reason stays on the case's audit trail)."""
    return {key: value for key, value in data.items() if key != "reason"}


# (event type, version) -> the function that brings that version's data to the next version.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    (ENQUIRY_SUBMITTED, 1): _enquiry_submitted_1_to_2,
    (CASE_REOPENED, 1): _case_reopened_1_to_2,
}
# The newest version of each event type with more than one; every other type is at version 1.
LATEST_VERSIONS = {
    ENQUIRY_SUBMITTED: ENQUIRY_SUBMITTED_VERSION,
    CASE_REOPENED: CASE_REOPENED_VERSION,
}


def latest_version(event_type: str) -> int:
    return LATEST_VERSIONS.get(event_type, 1)


def upcast(event_type: str, version: int, data: Any) -> tuple[int, Any]:
    """Bring an event's data to the newest version it can reach, one registered step at a
    time: ``(version reached, data)``."""
    while (event_type, version) in UPCASTERS and isinstance(data, dict):
        data, version = UPCASTERS[(event_type, version)](data), version + 1
    return version, data


def upcast_enquiry_submitted(data: dict[str, Any], version: int) -> dict[str, Any]:
    """The ``data`` of an enquiry.submitted event of any known version, in the newest shape;
    a version with no way up is refused (``ValidationFailed`` on ``version``: parked)."""
    reached, data = upcast(ENQUIRY_SUBMITTED, version, data)
    if reached != ENQUIRY_SUBMITTED_VERSION:
        raise ValidationFailed(
            {"version": [f"{ENQUIRY_SUBMITTED} version {version} is not supported ([1, 2])"]}
        )
    return data
