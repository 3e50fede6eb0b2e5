"""The queries the cases service needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.cases import audit_chain
from services.cases.models import (
    AuditChain,
    AuditEntry,
    AuditSignedHead,
    Case,
    CaseAdvice,
    CaseClock,
    CaseDecision,
    CaseDocument,
    CaseNote,
    CaseTask,
    ReferenceCounter,
)
from shared.db import escape_like, insert_ignoring_conflict, paginate


def next_reference_sequence(session: Session, year: int) -> int:
    """Atomic per-year counter: the UPDATE row lock serialises concurrent openers on PostgreSQL
    (replicas included); SQLite serialises writers anyway."""
    insert_ignoring_conflict(session, ReferenceCounter.__table__, {"year": year, "last_value": 0})
    return session.execute(
        sa.update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last_value=ReferenceCounter.last_value + 1)
        .returning(ReferenceCounter.last_value)
    ).scalar_one()


def case_for_enquiry(session: Session, enquiry_id: str) -> Case | None:
    return session.scalar(sa.select(Case).where(Case.enquiry_id == enquiry_id))


def find_case(session: Session, reference_or_id: str, lock: bool = False) -> Case | None:
    query = sa.select(Case).where(
        sa.or_(Case.reference == reference_or_id, Case.id == reference_or_id)
    )
    return session.scalar(query.with_for_update() if lock else query)


def append_audit_entry(session: Session, values: dict[str, Any]) -> bool:
    """Append to the case's hash chain; False if this event is already recorded.

    The chain is keyed by the correlation id every entry carries, so the enquiry's entries
    recorded before the case existed are on it. Its end is written twice in this transaction:
    the chain head row and, once the case exists, the case row (``audit_count``,
    ``audit_head_hash``). The case row's copy starts with the case's own ``case.opened`` entry,
    appended in the transaction that creates the case, so it covers the earlier entries too.

    Locks: the case row, then the chain head row, as a use case that locked its case and
    appends on commit does; concurrent writers for one case take their turn."""
    exists = sa.select(AuditEntry.id).where(AuditEntry.event_id == values["event_id"])
    if session.scalar(exists) is not None:
        return False
    correlation_id = values["correlation_id"]
    cases = _cases_on_chain(session, correlation_id)
    insert_ignoring_conflict(
        session,
        AuditChain.__table__,
        {"correlation_id": correlation_id, "last_sequence": 0, "last_hash": audit_chain.GENESIS},
    )
    head = session.scalar(
        sa.select(AuditChain).where(AuditChain.correlation_id == correlation_id).with_for_update()
    )
    if not cases:
        # The case may have been opened, and committed, while we waited for the head.
        cases = _cases_on_chain(session, correlation_id)
    if session.scalar(exists) is not None:  # recorded by a writer we waited for
        return False
    entry = {**values, "sequence": head.last_sequence + 1, "prev_hash": head.last_hash}
    entry["hash"] = audit_chain.link(head.last_hash, entry)
    session.add(AuditEntry(**entry))
    head.last_sequence, head.last_hash = entry["sequence"], entry["hash"]
    for case in cases:
        case.audit_count, case.audit_head_hash = entry["sequence"], entry["hash"]
    session.flush()
    return True


def _cases_on_chain(session: Session, correlation_id: str) -> list[Case]:
    return list(
        session.scalars(
            sa.select(Case).where(Case.correlation_id == correlation_id).with_for_update()
        )
    )


@dataclass(frozen=True)
class ChainRecords:
    """Everything that says what a case's audit chain is, read together."""

    entries: list[AuditEntry]
    head: AuditChain | None
    case_head: audit_chain.Head
    signed_head: AuditSignedHead | None
    off_chain: int


def chain_of(session: Session, case: Case) -> ChainRecords:
    """The case's chain (by sequence), its head row, the case row's copy of the head, its
    latest signed head, and how many entries name the case from another chain. The case row is
    share-locked first, so no entry can be appended between these reads (every append locks
    it)."""
    count, head_hash = session.execute(
        sa.select(Case.audit_count, Case.audit_head_hash)
        .where(Case.id == case.id)
        .with_for_update(read=True)
    ).one()
    entries = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.correlation_id == case.correlation_id)
        .order_by(AuditEntry.sequence)
    )
    off_chain = session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.case_id == case.id, AuditEntry.correlation_id != case.correlation_id)
    )
    return ChainRecords(
        list(entries),
        session.get(AuditChain, case.correlation_id, populate_existing=True),
        audit_chain.Head.of(count, head_hash),
        latest_signed_head(session, case.id),
        off_chain or 0,
    )


def latest_signed_head(session: Session, case_id: str) -> AuditSignedHead | None:
    return session.scalar(
        sa.select(AuditSignedHead)
        .where(AuditSignedHead.case_id == case_id)
        .order_by(AuditSignedHead.sequence.desc(), AuditSignedHead.id.desc())
        .limit(1)
    )


def cases_with_unsigned_heads(session: Session, limit: int) -> list[Case]:
    """Cases whose chain head moved since it was last signed, oldest first, locked so that no
    entry is appended while the chain is checked and signed; cases another transaction holds
    are left for the next run."""
    signed = sa.select(AuditSignedHead.id).where(
        AuditSignedHead.case_id == Case.id, AuditSignedHead.sequence == Case.audit_count
    )
    return list(
        session.scalars(
            sa.select(Case)
            .where(Case.audit_count > 0, ~signed.exists())
            .order_by(Case.opened_at, Case.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def add_signed_head(session: Session, values: dict[str, Any]) -> bool:
    """False if another replica signed this head first."""
    return insert_ignoring_conflict(session, AuditSignedHead.__table__, values)


def timeline_page(session: Session, case: Case, page: int, size: int) -> dict[str, Any]:
    """One page of the case's audit entries, newest first: ``timeline``'s order reversed."""
    on_chain = AuditEntry.correlation_id == case.correlation_id
    query = (
        sa.select(AuditEntry)
        .where(sa.or_(AuditEntry.case_id == case.id, on_chain))
        .order_by(
            sa.case((on_chain, 0), else_=1).desc(),
            sa.case((on_chain, AuditEntry.sequence), else_=0).desc(),
            AuditEntry.id.desc(),
        )
    )
    return paginate(session, query, page, size)


def timeline(session: Session, case: Case) -> list[AuditEntry]:
    """Everything recorded against the case, or under its correlation id before it existed, in
    the order the audit store chained it (a client's ``occurred_at`` cannot move an entry);
    entries naming the case from another chain, which verify_timeline reports, come after."""
    on_chain = AuditEntry.correlation_id == case.correlation_id
    return list(
        session.scalars(
            sa.select(AuditEntry)
            .where(sa.or_(AuditEntry.case_id == case.id, on_chain))
            .order_by(
                sa.case((on_chain, 0), else_=1),
                sa.case((on_chain, AuditEntry.sequence), else_=0),
                AuditEntry.id,
            )
        )
    )


def advice_for(session: Session, enquiry_id: str) -> CaseAdvice | None:
    return session.get(CaseAdvice, enquiry_id)


def record_task_revision(session: Session, values: dict[str, Any]) -> bool:
    """Keep the newest revision of a task; an older event arriving late changes nothing."""
    if insert_ignoring_conflict(session, CaseTask.__table__, values):
        return True
    result = session.execute(
        sa.update(CaseTask)
        .where(CaseTask.task_id == values["task_id"], CaseTask.revision < values["revision"])
        .values(**values)
    )
    return result.rowcount == 1


def tasks_for(session: Session, case_id: str) -> list[CaseTask]:
    return list(
        session.scalars(
            sa.select(CaseTask).where(CaseTask.case_id == case_id).order_by(CaseTask.key)
        )
    )


def documents_for(session: Session, case_id: str) -> list[CaseDocument]:
    return list(
        session.scalars(
            sa.select(CaseDocument)
            .where(CaseDocument.case_id == case_id)
            .order_by(CaseDocument.generated_at, CaseDocument.version)
        )
    )


def running_clock(session: Session, case_id: str, kind: str) -> CaseClock | None:
    """The case's running stage clock of this kind (a duty or a review), locked for change."""
    return session.scalar(
        sa.select(CaseClock)
        .where(
            CaseClock.case_id == case_id,
            CaseClock.kind == kind,
            CaseClock.stopped_on.is_(None),
            CaseClock.decision_id.is_(None),
        )
        .order_by(CaseClock.id.desc())
        .limit(1)
        .with_for_update()
    )


def decision_of(session: Session, case_id: str, decision_id: str) -> CaseDecision | None:
    return session.scalar(
        sa.select(CaseDecision)
        .where(CaseDecision.case_id == case_id, CaseDecision.id == decision_id)
        .with_for_update()
    )


def decisions_of(session: Session, case_id: str) -> list[CaseDecision]:
    return list(
        session.scalars(
            sa.select(CaseDecision)
            .where(CaseDecision.case_id == case_id)
            .order_by(CaseDecision.created_at, CaseDecision.id)
        )
    )


def actors_involved(session: Session, case: Case, not_involvement: frozenset[str]) -> set[str]:
    """Everyone who has done something on the case other than read it: audit entries, notes,
    decisions, and its owner."""
    audited = session.scalars(
        sa.select(AuditEntry.actor)
        .where(
            sa.or_(
                AuditEntry.case_id == case.id,
                AuditEntry.correlation_id == case.correlation_id,
            ),
            AuditEntry.action.not_in(not_involvement),
        )
        .distinct()
    )
    noted = session.scalars(
        sa.select(CaseNote.author).where(CaseNote.case_id == case.id).distinct()
    )
    decided = session.scalars(
        sa.select(CaseDecision.decided_by).where(CaseDecision.case_id == case.id).distinct()
    )
    involved = {*audited, *noted, *decided}
    if case.owner and case.owner.startswith("officer:"):
        involved.add(case.owner)
    return involved


def open_cases_of_nation(session: Session, nation: str) -> list[Case]:
    return list(
        session.scalars(
            sa.select(Case)
            .where(Case.status == "open", Case.nation == nation)
            .order_by(Case.opened_at, Case.reference)
        )
    )


def note_by_request(session: Session, case_id: str, request_id: str) -> CaseNote | None:
    return session.scalar(
        sa.select(CaseNote).where(CaseNote.case_id == case_id, CaseNote.request_id == request_id)
    )


def stop_stage_clocks(session: Session, case_id: str, today: Any) -> None:
    """Stop the case's running stage clocks (not the review windows of its decisions)."""
    session.execute(
        sa.update(CaseClock)
        .where(
            CaseClock.case_id == case_id,
            CaseClock.stopped_on.is_(None),
            CaseClock.decision_id.is_(None),
        )
        .values(stopped_on=today)
    )


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


def search_cases(session: Session, filters: dict[str, Any]) -> dict[str, Any]:
    """Cases by owner, status, stage, reference, person name, postcode, or a clock due on or
    before a date; newest first; paginated."""
    query = sa.select(Case)
    if filters.get("team"):
        query = query.where(Case.team == filters["team"])
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
            Case.applicant_name.ilike(f"%{escape_like(filters['name'])}%", escape="\\")
        )
    if filters.get("postcode"):
        # The whole postcode finds it exactly; a start finds every postcode that begins so.
        query = query.where(
            Case.applicant_postcode.startswith(
                "".join(filters["postcode"].split()).upper(), autoescape=True
            )
        )
    if filters.get("clock_due_by"):
        due = sa.select(CaseClock.case_id).where(
            CaseClock.stopped_on.is_(None), CaseClock.due_on <= filters["clock_due_by"]
        )
        query = query.where(Case.id.in_(due))
    return paginate(
        session,
        query.order_by(Case.opened_at.desc(), Case.reference.desc()),
        filters["page"],
        filters["page_size"],
    )


# Each alert: the clock's date that triggers it, and the column recording it was raised.
_ALERT_COLUMNS = {
    "warning": (CaseClock.warn_on, CaseClock.warned_at),
    "period_ended": (CaseClock.due_on, CaseClock.period_ended_at),
}


def clocks_due_for_alert(session: Session, alert: str, today: Any, limit: int) -> list[int]:
    """Running clocks whose ``alert`` is due and not yet raised, oldest first; rows another
    replica's scan holds are skipped. A warning is due from its warn_on date; the end of the
    period the day after its last day (due_on), never on the last day, which is inside it."""
    trigger, raised = _ALERT_COLUMNS[alert]
    due = trigger <= today if alert == "warning" else trigger < today
    return list(
        session.scalars(
            sa.select(CaseClock.id)
            .where(CaseClock.stopped_on.is_(None), raised.is_(None), trigger.is_not(None), due)
            .order_by(trigger)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )


def claim_alert(session: Session, clock_id: int, alert: str, now: Any) -> bool:
    """Mark the alert raised; False if another replica got there first."""
    raised = _ALERT_COLUMNS[alert][1]
    claimed = session.execute(
        sa.update(CaseClock)
        .where(CaseClock.id == clock_id, raised.is_(None))
        .values({raised.key: now})
    ).rowcount
    return claimed == 1
