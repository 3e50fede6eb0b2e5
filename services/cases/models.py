"""The cases service's own database: cases, the audit trail, and what other services told us."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, add_infrastructure_tables


class Base(DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    enquiry_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    correlation_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    workflow: Mapped[str] = mapped_column(sa.String(50))
    status: Mapped[str] = mapped_column(sa.String(30))
    applicant_name: Mapped[str | None] = mapped_column(sa.String(200))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReferenceCounter(Base):
    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int]


class AuditEntry(Base):
    """Append-only: written once from an ``audit.recorded`` event, never updated."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
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
