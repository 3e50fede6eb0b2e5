"""The enquiry service's own database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.enquiry.domain import EnquiryBehaviour
from shared.db import UtcDateTime, add_infrastructure_tables


class Base(DeclarativeBase):
    pass


class QuestionTemplate(Base):
    __tablename__ = "question_templates"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_by: Mapped[str | None] = mapped_column(sa.String(100))


class Enquiry(Base, EnquiryBehaviour):
    __tablename__ = "enquiries"
    __table_args__ = (sa.UniqueConstraint("request_id", name="uq_enquiries_request_id"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    template_key: Mapped[str] = mapped_column(sa.String(100))
    template_version: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    workflow: Mapped[str | None] = mapped_column(sa.String(50))
    workflow_source: Mapped[str | None] = mapped_column(sa.String(20))
    workflow_reason: Mapped[str | None] = mapped_column(sa.Text)
    correlation_id: Mapped[str] = mapped_column(sa.String(64))
    prefilled_from: Mapped[str | None] = mapped_column(sa.String(36))
    # The caller's idempotency key: a front end retrying after a lost reply (or a broker
    # redelivering the request after a crash) gets the same enquiry, never a second one.
    request_id: Mapped[str | None] = mapped_column(sa.String(100))
    # Who started it (the token's subject): a customer reads and continues only their own, and
    # a request_id is scoped to its caller. None for enquiries made before identities.
    created_by: Mapped[str | None] = mapped_column(sa.String(120))
    # Set at submission: the nation whose law the template follows, the duty triage suggests
    # (relief, prevention or none) and the notice check (shared.law NoticeCheck.to_dict()).
    nation: Mapped[str | None] = mapped_column(sa.String(20))
    suggested_duty: Mapped[str | None] = mapped_column(sa.String(20))
    notice_check: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


add_infrastructure_tables(Base.metadata)
metadata = Base.metadata
