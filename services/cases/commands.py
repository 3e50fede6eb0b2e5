"""What officers ask the cases service to do: typed, frozen commands, built by the request
schemas (schemas.py) once a request has been validated. ``case`` is a reference or an id;
``actor`` who asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CaseCommand:
    case: str
    actor: str


@dataclass(frozen=True)
class ChangeStage(CaseCommand):
    stage: str
    duty_start_on: date | None = None
    duty_start_reason: str | None = None
    priority_need: bool | None = None
    intentionally_homeless: bool | None = None
    decision_notified_on: date | None = None
    review_type: str | None = None
    agreed_days: int | None = None
    agreed_reason: str | None = None


@dataclass(frozen=True)
class CloseCase(CaseCommand):
    outcome: str
    reason: str


@dataclass(frozen=True)
class ReopenCase(CaseCommand):
    reason: str


@dataclass(frozen=True)
class AssignCase(CaseCommand):
    owner: str


@dataclass(frozen=True)
class AddNote(CaseCommand):
    text: str
    request_id: str | None = None


@dataclass(frozen=True)
class EndDuty(CaseCommand):
    ground: str
    notified_on: date
    reason: str
    notice: str | None = None


@dataclass(frozen=True)
class RecordPlanDecision(CaseCommand):
    notified_on: date


@dataclass(frozen=True)
class ProposeNonCooperationNotice(CaseCommand):
    grade: str
    warning_given_on: date
    reason: str


@dataclass(frozen=True)
class AuthoriseNonCooperationNotice(CaseCommand):
    notice: str
    grade: str


@dataclass(frozen=True)
class RecordFindings(CaseCommand):
    reason: str
    priority_need: bool | None = None
    intentionally_homeless: bool | None = None


@dataclass(frozen=True)
class CorrectClockStart(CaseCommand):
    clock: str
    starts_on: date
    reason: str
