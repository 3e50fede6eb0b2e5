"""The documents service's own database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, add_infrastructure_tables


class Base(DeclarativeBase):
    pass


class PackRequest(Base):
    """The pack needs four events that may arrive in any order: the enquiry's answers, the case
    reference, the matched advice and the case's task plan. Each fills its part; the one that
    completes it renders."""

    __tablename__ = "pack_requests"

    enquiry_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    correlation_id: Mapped[str | None] = mapped_column(sa.String(64))
    answers: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # The name the enquiry form declared as the applicant's (its applicant_name role).
    applicant_name: Mapped[str | None] = mapped_column(sa.String(200))
    case_id: Mapped[str | None] = mapped_column(sa.String(36))
    case_reference: Mapped[str | None] = mapped_column(sa.String(20))
    # The case's team (case.opened): its officers see the documents. None: any officer.
    team: Mapped[str | None] = mapped_column(sa.String(60))
    workflow: Mapped[str | None] = mapped_column(sa.String(50))
    workflow_title: Mapped[str | None] = mapped_column(sa.String(200))
    sections: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    statements: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    answers_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    case_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    advice_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The case's task plan: the customer-facing tasks become the pack's next steps.
    next_steps: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    tasks_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rendered: Mapped[bool] = mapped_column(default=False)
    acknowledged: Mapped[bool] = mapped_column(default=False)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (sa.UniqueConstraint("case_id", "kind", "version"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    case_reference: Mapped[str] = mapped_column(sa.String(20))
    correlation_id: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(50))
    version: Mapped[int]
    media_type: Mapped[str] = mapped_column(sa.String(100))
    path: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    # The accessible web edition of the same document (xhtml2pdf cannot tag a PDF).
    html_path: Mapped[str | None] = mapped_column(sa.String(500))
    html_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_by: Mapped[str | None] = mapped_column(sa.String(100))
    template_version: Mapped[str] = mapped_column(sa.String(50))
    statement_versions: Mapped[list[str]] = mapped_column(sa.JSON)
    # A pack's statements left out because they failed their render budget:
    # [{"statement": "key@version", "problem": "too_slow" | "too_long" | "failed"}].
    omitted_statements: Mapped[list[dict[str, str]] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # When the files of this version were deleted (only the last versions keep theirs); the
    # row stays, as the record of what was made.
    files_removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


add_infrastructure_tables(Base.metadata)
metadata = Base.metadata
