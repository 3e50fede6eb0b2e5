"""The cases service's own database: cases, the audit trail, and what other services told us."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.cases.domain import CaseBehaviour
from shared.db import UtcDateTime, add_infrastructure_tables


class Base(DeclarativeBase):
    pass


class Case(Base, CaseBehaviour):
    """A case; what is done to it comes from ``domain.CaseBehaviour``."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    enquiry_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    correlation_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    workflow: Mapped[str] = mapped_column(sa.String(50))
    status: Mapped[str] = mapped_column(sa.String(30), index=True)
    stage: Mapped[str] = mapped_column(sa.String(30), index=True, default="triage")
    owner: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    # The team whose officers see and work the case (CASE_TEAM when it opens).
    team: Mapped[str] = mapped_column(
        sa.String(60), index=True, default="housing-options", server_default="housing-options"
    )
    applicant_name: Mapped[str | None] = mapped_column(sa.String(200))
    # The postcode the applicant gave (the form's ``applicant_postcode`` role), upper case with
    # no spaces, so that officers can find a case by it; None for a form without the role.
    applicant_postcode: Mapped[str | None] = mapped_column(sa.String(8), index=True)
    # What the council is satisfied of, for s.189B(4) (does the relief duty end by itself?);
    # None until recorded.
    priority_need: Mapped[bool | None]
    intentionally_homeless: Mapped[bool | None]
    # The nation whose law the case is decided under (the enquiry form's), and what triage
    # suggested: the duty is the council's to decide, so this is only a suggestion.
    nation: Mapped[str] = mapped_column(sa.String(20), default="england")
    suggested_duty: Mapped[str | None] = mapped_column(sa.String(20))
    # shared.law.NoticeCheck.to_dict() of the notice the applicant reported, with the pack used.
    notice_check: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # A public body's referral under the duty to refer (s.213B): who referred, and whether the
    # applicant consented (a referral needs consent). None when the applicant came themselves.
    referred_by: Mapped[str | None] = mapped_column(sa.String(40))
    referral_consent: Mapped[bool | None]
    closed_from: Mapped[str | None] = mapped_column(sa.String(30))
    outcome: Mapped[str | None] = mapped_column(sa.String(50))
    outcome_reason: Mapped[str | None] = mapped_column(sa.Text)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A second record of where the case's audit chain ends (the audit_chains row is the first),
    # written with every entry: deleting the last entries and rewinding one record is caught by
    # the other (services/cases/audit_chain.py). NULL hash: no entry yet.
    audit_count: Mapped[int] = mapped_column(default=0, server_default="0")
    audit_head_hash: Mapped[str | None] = mapped_column(sa.String(64))


class CaseClock(Base):
    """A statutory period of a case (shared.periods): it begins with ``starts_on`` (day 1) and
    its last day is ``due_on``; ``ending`` says what the day after means. The warning and the
    end of the period are each announced once, by whichever replica's scan claims them first."""

    __tablename__ = "case_clocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    starts_on: Mapped[date]
    due_on: Mapped[date | None] = mapped_column(index=True)  # the period's last day
    warn_on: Mapped[date | None] = mapped_column(index=True)
    ending: Mapped[str] = mapped_column(sa.String(30), default="deadline")
    citation: Mapped[str] = mapped_column(sa.String(200), default="")
    # Why the period begins before the day it was recorded (backdated): an officer's words.
    start_reason: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    period_ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    stopped_on: Mapped[date | None]
    # A review-request window belongs to the decision it follows, not to a stage: it keeps
    # running when the case moves on or closes.
    decision_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)


class CaseDecision(Base):
    """A decision notified to the applicant that carries review rights (a duty ended by notice,
    the steps of a written plan), or a non-cooperation notice on its way to being issued
    (proposed, then authorised by a second officer, then issued by ending the duty)."""

    __tablename__ = "case_decisions"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    duty: Mapped[str] = mapped_column(sa.String(20))
    ground: Mapped[str | None] = mapped_column(sa.String(60))
    citation: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(20))
    review_category: Mapped[str | None] = mapped_column(sa.String(40))
    decided_by: Mapped[str] = mapped_column(sa.String(100))
    decided_grade: Mapped[str | None] = mapped_column(sa.String(30))
    authorised_by: Mapped[str | None] = mapped_column(sa.String(100))
    authorised_grade: Mapped[str | None] = mapped_column(sa.String(30))
    authorised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    warning_given_on: Mapped[date | None]
    notified_on: Mapped[date | None]
    # The officer's reasons: kept with the decision and its audit entry, never put in events.
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseNote(Base):
    __tablename__ = "case_notes"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "request_id", name="uq_case_notes_request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    author: Mapped[str] = mapped_column(sa.String(100))
    # The caller's idempotency key: a repeated request finds this note instead of adding one.
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditChain(Base):
    """The head of one case's hash chain (keyed by the correlation id every entry carries)."""

    __tablename__ = "audit_chains"

    correlation_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_sequence: Mapped[int]
    last_hash: Mapped[str] = mapped_column(sa.String(64))


class AuditSignedHead(Base):
    """A case's chain head signed with AUDIT_SIGNING_KEY, which the database does not hold:
    written by a timer whenever the head moved, only once the chain checked out. The signature
    covers ``audit_chain.head_statement`` (case, its correlation id, sequence, hash,
    signed_at)."""

    __tablename__ = "audit_signed_heads"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "sequence", name="uq_audit_signed_heads_case_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36))
    sequence: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    key_id: Mapped[str] = mapped_column(sa.String(64))
    signature: Mapped[str] = mapped_column(sa.String(128))


class ReferenceCounter(Base):
    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int]


class AuditEntry(Base):
    """Append-only: written once from an ``audit.recorded`` event, never updated."""

    __tablename__ = "audit_entries"

    __table_args__ = (sa.UniqueConstraint("correlation_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Position in the case's hash chain, and the chain: hash = sha256(prev_hash + entry).
    sequence: Mapped[int] = mapped_column(default=0)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    hash: Mapped[str] = mapped_column(sa.String(64), default="")
    case_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    correlation_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    source: Mapped[str] = mapped_column(sa.String(50))
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(100))
    entity_type: Mapped[str] = mapped_column(sa.String(50))
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseAdvice(Base):
    """Keyed by enquiry: advice can be matched before the case row exists."""

    __tablename__ = "case_advice"

    enquiry_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workflow: Mapped[str] = mapped_column(sa.String(50))
    statements: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    matched_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseTask(Base):
    __tablename__ = "case_tasks"

    task_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    key: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(30))
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    # The customer's own view of the case lists these only.
    customer_facing: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    activate_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Task events reach us on separate queues and may overtake each other: the highest wins.
    revision: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseDocument(Base):
    __tablename__ = "case_documents"

    document_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime())


add_infrastructure_tables(Base.metadata)
metadata = Base.metadata
