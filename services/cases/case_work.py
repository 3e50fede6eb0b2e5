"""Officers' work on a case: stages, closing and reopening, ownership, notes, the clocks each
stage starts, and finding cases. No nameko."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.cases import events, lifecycle
from services.cases.models import Case, CaseClock, CaseNote
from shared.clock import isoformat, london_today, utcnow
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.unit_of_work import Transaction


def find(session: Session, reference: str, lock: bool = False) -> Case:
    query = sa.select(Case).where(sa.or_(Case.reference == reference, Case.id == reference))
    case = session.scalar(query.with_for_update() if lock else query)
    if case is None:
        raise NotFound("case", reference)
    return case


def change_stage(tx: Transaction, request: dict[str, Any]) -> Case:
    case = find(tx.session, request["case"], lock=True)
    target = request["stage"]
    if target == lifecycle.CLOSED:
        raise ValidationFailed({"stage": ["close a case with close_case, giving the outcome"]})
    try:
        lifecycle.check_transition(case.stage, target)
    except lifecycle.IllegalTransition as illegal:
        raise Conflict(str(illegal)) from None
    if target == lifecycle.REVIEW and request.get("review_type") not in lifecycle.REVIEW_PERIODS:
        raise ValidationFailed(
            {"review_type": [f"required for a review: one of {sorted(lifecycle.REVIEW_PERIODS)}"]}
        )
    previous = case.stage
    today = london_today()
    stop_clocks(tx.session, case, today)
    case.stage, case.updated_at = target, utcnow()
    clocks = start_clocks(
        tx.session,
        case,
        today,
        decision_notified_on=request.get("decision_notified_on"),
        review_type=request.get("review_type"),
    )
    data = {"previous_stage": previous, "clocks": [clock_view(c) for c in clocks]}
    tx.emit(events.case_event(events.CASE_STAGE_CHANGED, case, data))
    _audit(
        tx,
        case,
        request["actor"],
        "case.stage_changed",
        {"stage": previous},
        {"stage": target, "clocks": [c.kind for c in clocks]},
    )
    return case


def close_case(tx: Transaction, request: dict[str, Any]) -> Case:
    case = find(tx.session, request["case"], lock=True)
    if case.stage == lifecycle.CLOSED:
        raise Conflict(f"case {case.reference} is already closed")
    previous = case.stage
    stop_clocks(tx.session, case, london_today())
    case.closed_from, case.stage, case.status = previous, lifecycle.CLOSED, "closed"
    case.outcome, case.outcome_reason, case.updated_at = (
        request["outcome"],
        request["reason"],
        utcnow(),
    )
    tx.emit(
        events.case_event(
            events.CASE_CLOSED,
            case,
            {
                "previous_stage": previous,
                "outcome": case.outcome,
                "closed_at": isoformat(case.updated_at),
            },
        )
    )
    _audit(
        tx,
        case,
        request["actor"],
        "case.closed",
        {"stage": previous},
        {"stage": lifecycle.CLOSED, "outcome": case.outcome},
    )
    return case


def reopen_case(tx: Transaction, request: dict[str, Any]) -> Case:
    case = find(tx.session, request["case"], lock=True)
    if case.stage != lifecycle.CLOSED:
        raise Conflict(f"case {case.reference} is open ({case.stage}): nothing to reopen")
    target = lifecycle.reopen_stage(case.closed_from)
    case.stage, case.status, case.updated_at = target, "open", utcnow()
    previous_outcome, case.outcome, case.outcome_reason = case.outcome, None, None
    clocks = start_clocks(tx.session, case, london_today())
    tx.emit(
        events.case_event(
            events.CASE_REOPENED,
            case,
            {
                "previous_outcome": previous_outcome,
                "reason": request["reason"],
                "clocks": [clock_view(c) for c in clocks],
            },
        )
    )
    _audit(
        tx,
        case,
        request["actor"],
        "case.reopened",
        {"stage": lifecycle.CLOSED, "outcome": previous_outcome},
        {"stage": target, "reason": request["reason"]},
    )
    return case


def assign_case(tx: Transaction, request: dict[str, Any]) -> Case:
    case = find(tx.session, request["case"], lock=True)
    if case.owner == request["owner"]:
        raise Conflict(f"case {case.reference} is already assigned to {case.owner}")
    previous, case.owner, case.updated_at = case.owner, request["owner"], utcnow()
    tx.emit(
        events.case_event(
            events.CASE_ASSIGNED, case, {"owner": case.owner, "previous_owner": previous}
        )
    )
    _audit(tx, case, request["actor"], "case.assigned", {"owner": previous}, {"owner": case.owner})
    return case


def add_note(tx: Transaction, request: dict[str, Any]) -> CaseNote:
    case = find(tx.session, request["case"])
    if request["request_id"]:
        earlier = tx.session.scalar(
            sa.select(CaseNote).where(
                CaseNote.case_id == case.id, CaseNote.request_id == request["request_id"]
            )
        )
        if earlier is not None:
            if (earlier.text, earlier.author) != (request["text"], request["actor"]):
                raise Conflict(
                    f"request_id {request['request_id']!r} already added a different note"
                )
            return earlier
    note = CaseNote(
        case_id=case.id,
        text=request["text"],
        author=request["actor"],
        request_id=request["request_id"],
        created_at=utcnow(),
    )
    tx.session.add(note)
    tx.session.flush()
    # The audit trail records that a note was written, not what it says.
    _audit(tx, case, request["actor"], "case.note_added", None, {"note_id": note.id})
    return note


def start_clocks(session: Session, case: Case, today: date, **details: Any) -> list[CaseClock]:
    clocks = [
        CaseClock(
            case_id=case.id,
            kind=c.kind,
            starts_on=c.starts_on,
            due_on=c.due_on,
            warn_on=c.warn_on,
            note=c.note,
        )
        for c in lifecycle.clocks_for_stage(
            case.stage,
            today,
            s21_threat=case.s21_threat,
            **{k: v for k, v in details.items() if v is not None},
        )
    ]
    session.add_all(clocks)
    session.flush()
    return clocks


def stop_clocks(session: Session, case: Case, today: date) -> None:
    session.execute(
        sa.update(CaseClock)
        .where(CaseClock.case_id == case.id, CaseClock.stopped_on.is_(None))
        .values(stopped_on=today)
    )


def clock_view(clock: CaseClock, today: date | None = None) -> dict[str, Any]:
    view = {
        "kind": clock.kind,
        "starts_on": clock.starts_on.isoformat(),
        "due_on": clock.due_on.isoformat() if clock.due_on else None,
        "warn_on": clock.warn_on.isoformat() if clock.warn_on else None,
        "note": clock.note,
    }
    if today is not None:
        view["state"] = (
            "stopped"
            if clock.stopped_on
            else lifecycle.clock_state(clock.due_on, clock.warn_on, today)
        )
        view["stopped_on"] = clock.stopped_on.isoformat() if clock.stopped_on else None
    return view


def clocks_of(session: Session, case_id: str) -> list[CaseClock]:
    return list(
        session.scalars(
            sa.select(CaseClock).where(CaseClock.case_id == case_id).order_by(CaseClock.id)
        )
    )


def notes_of(session: Session, case_id: str) -> list[CaseNote]:
    return list(
        session.scalars(
            sa.select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)
        )
    )


def search(session: Session, filters: dict[str, Any]) -> dict[str, Any]:
    """Cases by owner, status, stage, reference, person name, or a clock due on or before a
    date; newest first; paginated."""
    query = sa.select(Case)
    if filters.get("owner"):
        query = query.where(Case.owner == filters["owner"])
    if filters.get("status"):
        query = query.where(Case.status == filters["status"])
    if filters.get("stage"):
        query = query.where(Case.stage == filters["stage"])
    if filters.get("reference"):
        query = query.where(Case.reference.startswith(filters["reference"].upper()))
    if filters.get("name"):
        query = query.where(
            Case.applicant_name.ilike(f"%{_escape_like(filters['name'])}%", escape="\\")
        )
    if filters.get("clock_due_by"):
        due = sa.select(CaseClock.case_id).where(
            CaseClock.stopped_on.is_(None), CaseClock.due_on <= filters["clock_due_by"]
        )
        query = query.where(Case.id.in_(due))
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page, size = filters["page"], filters["page_size"]
    rows = session.scalars(
        query.order_by(Case.opened_at.desc(), Case.reference.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    return {"items": list(rows), "total": total, "page": page, "page_size": size}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _audit(tx: Transaction, case: Case, actor: str, action: str, before: Any, after: Any) -> None:
    tx.audit(
        actor=actor,
        action=action,
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        correlation_id=case.correlation_id,
        before=before,
        after=after,
    )
