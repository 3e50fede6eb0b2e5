"""Officers' work on a case: stages, closing and reopening, ownership, notes, the clocks each
stage starts, and finding cases. No nameko."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from services.cases import commands, events, lifecycle, repository
from services.cases.models import Case, CaseClock, CaseNote
from shared.authorisation import customer_may_see_case, officer_may_see_team
from shared.clock import london_date, london_today, utcnow
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.periods import StatutoryClock, clock_state, day_after
from shared.unit_of_work import Transaction


def find(tx: Transaction, reference: str, lock: bool = False) -> Case:
    """The case by reference or id (locked for change when ``lock``), or ``NotFound``; and
    ``Forbidden`` when the caller may not see it (another team's, or not the customer's own)."""
    case = repository.find_case(tx.session, reference, lock=lock)
    if case is None:
        raise NotFound("case", reference)
    check_access(tx, case)
    return case


def check_access(tx: Transaction, case: Case) -> None:
    """What the RPC's rule left to the use case: whose case this is (``shared.authorisation``).
    The service acting on its own (no caller) sees every case."""
    if tx.caller is None:
        return
    action = tx.action or "case"
    customer_may_see_case(tx.caller, action, case.id, case.enquiry_id, case.correlation_id)
    officer_may_see_team(tx.caller, action, case.team, case.id, case.correlation_id)


def change_stage(tx: Transaction, command: commands.ChangeStage) -> Case:
    case = find(tx, command.case, lock=True)
    target = command.stage
    if target == lifecycle.CLOSED:
        raise ValidationFailed({"stage": ["close a case with close_case, giving the outcome"]})
    try:
        lifecycle.check_transition(case.stage, target)
    except lifecycle.IllegalTransition as illegal:
        raise Conflict(str(illegal)) from None
    today = london_today()
    begins_on = _check_clock_request(case, target, command, today)
    previous = case.stage
    stop_clocks(tx.session, case, today)
    case.stage, case.updated_at = target, utcnow()
    for finding in ("priority_need", "intentionally_homeless"):
        if getattr(command, finding) is not None:
            setattr(case, finding, getattr(command, finding))
    clocks = start_clocks(
        tx.session,
        case,
        begins_on,
        start_reason=command.duty_start_reason if begins_on < today else None,
        decision_notified_on=command.decision_notified_on,
        review_type=command.review_type,
        agreed_days=command.agreed_days,
    )
    data = {"previous_stage": previous, "clocks": [clock_view(c) for c in clocks]}
    after: dict[str, Any] = {"stage": target, "clocks": [c.kind for c in clocks]}
    for clock in clocks:
        after[clock.kind] = {
            "begins_on": clock.starts_on.isoformat(),
            "last_day": _iso(clock.due_on),
        }
        if clock.start_reason:
            after[clock.kind]["start_reason"] = clock.start_reason
    case.announce(events.CASE_STAGE_CHANGED, data, command.actor, {"stage": previous}, after)
    return case


def _check_clock_request(
    case: Case, target: str, command: commands.ChangeStage, today: date
) -> date:
    """The first day of the clock the new stage starts, checked: a duty begins with the day the
    council was first satisfied (today unless the officer says, with a reason, that it was
    earlier); a review window with the day the decision was notified."""
    earliest = london_date(case.opened_at)
    problems: dict[str, list[str]] = {}
    if target == lifecycle.REVIEW and command.review_type not in lifecycle.REVIEW_CATEGORIES:
        problems["review_type"] = [
            f"required for a review: one of {sorted(lifecycle.REVIEW_CATEGORIES)}"
        ]
    begins_on = command.duty_start_on or today
    if command.duty_start_on is not None:
        if target not in lifecycle.DUTY_STAGES:
            problems["duty_start_on"] = ["only the prevention and relief stages start a duty"]
        else:
            problems.update(
                lifecycle.start_date_problems(
                    "duty_start_on",
                    begins_on,
                    today,
                    earliest,
                    "duty_start_reason",
                    command.duty_start_reason,
                )
            )
    if command.decision_notified_on is not None:
        problems.update(
            lifecycle.start_date_problems(
                "decision_notified_on", command.decision_notified_on, today, earliest
            )
        )
    if command.agreed_days is not None:
        if target not in (lifecycle.REVIEW, lifecycle.MAIN_DUTY_DECISION):
            problems["agreed_days"] = ["only a review window or a review decision can be longer"]
        elif not (command.agreed_reason or "").strip():
            problems["agreed_reason"] = ["required with agreed_days: when and how it was agreed"]
    if problems:
        raise ValidationFailed(problems)
    return begins_on


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def close_case(tx: Transaction, command: commands.CloseCase) -> Case:
    case = find(tx, command.case, lock=True)
    case.close(command.outcome, command.reason, command.actor, utcnow())
    stop_clocks(tx.session, case, london_today())
    return case


def reopen_case(tx: Transaction, command: commands.ReopenCase) -> Case:
    case = find(tx, command.case, lock=True)
    previous_outcome = case.reopen(utcnow())
    clocks = start_clocks(tx.session, case, london_today())
    case.announce(
        events.CASE_REOPENED,
        {
            "previous_outcome": previous_outcome,
            # No reason: the officer's words may name people, and the event is public. The
            # audit trail keeps it.
            "clocks": [clock_view(c) for c in clocks],
        },
        command.actor,
        {"stage": lifecycle.CLOSED, "outcome": previous_outcome},
        {"stage": case.stage, "reason": command.reason},
    )
    return case


def assign_case(tx: Transaction, command: commands.AssignCase) -> Case:
    case = find(tx, command.case, lock=True)
    case.assign(command.owner, command.actor, utcnow())
    return case


def add_note(tx: Transaction, command: commands.AddNote) -> CaseNote:
    case = find(tx, command.case)
    if command.request_id:
        earlier = repository.note_by_request(tx.session, case.id, command.request_id)
        if earlier is not None:
            if (earlier.text, earlier.author) != (command.text, command.actor):
                raise Conflict(f"request_id {command.request_id!r} already added a different note")
            return earlier
    note = CaseNote(
        case_id=case.id,
        text=command.text,
        author=command.actor,
        request_id=command.request_id,
        created_at=utcnow(),
    )
    tx.session.add(note)
    tx.session.flush()
    # The audit trail records that a note was written, not what it says.
    case.audit("case.note_added", command.actor, None, {"note_id": note.id})
    return note


def start_clocks(
    session: Session,
    case: Case,
    begins_on: date,
    start_reason: str | None = None,
    **details: Any,
) -> list[CaseClock]:
    try:
        started = lifecycle.clocks_for_stage(
            case.stage,
            begins_on,
            nation=case.nation,
            priority_need=case.priority_need,
            intentionally_homeless=case.intentionally_homeless,
            **{k: v for k, v in details.items() if v is not None},
        )
    except ValueError as problem:  # an agreed period no longer than the statutory one
        raise ValidationFailed({"agreed_days": [str(problem)]}) from None
    clocks = [clock_row(case, c, start_reason=start_reason) for c in started]
    session.add_all(clocks)
    session.flush()
    return clocks


def clock_row(
    case: Case,
    clock: StatutoryClock,
    *,
    start_reason: str | None = None,
    decision_id: str | None = None,
) -> CaseClock:
    """A statutory period as the case stores it, with what its day after means."""
    return CaseClock(
        case_id=case.id,
        kind=clock.kind,
        starts_on=clock.begins_on,
        due_on=clock.last_day,
        warn_on=clock.warn_from,
        ending=clock.ending.value,
        citation=clock.citation,
        start_reason=start_reason,
        note=lifecycle.what_the_day_after_means(clock.kind, clock.ending, clock.day_after),
        decision_id=decision_id,
    )


def stop_clocks(session: Session, case: Case, today: date) -> None:
    """The stage's clocks stop; a decision's review window runs on whatever the case does next."""
    repository.stop_stage_clocks(session, case.id, today)


def clock_view(clock: CaseClock, today: date | None = None) -> dict[str, Any]:
    """A clock as events and the case view show it. ``due_on`` is the period's last day;
    ``day_after`` the first day it has run; ``ending`` what that day means. Events carry
    ``backdated`` but never the officer's reason (free text may name people)."""
    view = {
        "kind": clock.kind,
        "starts_on": clock.starts_on.isoformat(),
        "due_on": _iso(clock.due_on),
        "warn_on": _iso(clock.warn_on),
        "day_after": _iso(day_after(clock.due_on)) if clock.due_on else None,
        "ending": clock.ending,
        "citation": clock.citation,
        "backdated": clock.start_reason is not None,
        "note": clock.note,
        "decision_id": clock.decision_id,
    }
    if today is not None:
        view["state"] = (
            "stopped"
            if clock.stopped_on
            else clock_state(clock.ending, clock.due_on, clock.warn_on, today)
        )
        view["stopped_on"] = _iso(clock.stopped_on)
    return view
