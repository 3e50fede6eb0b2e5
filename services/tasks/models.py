"""The tasks service's own database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, add_infrastructure_tables


class Base(DeclarativeBase):
    pass


class TaskFramework(Base):
    __tablename__ = "task_frameworks"

    workflow: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    tasks: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    version: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "template_key"),
        # The activation scan reads only pending tasks that are due: keep that index narrow.
        sa.Index("ix_tasks_pending_activation", "status", "activate_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    case_reference: Mapped[str] = mapped_column(sa.String(20))
    correlation_id: Mapped[str] = mapped_column(sa.String(64))
    workflow: Mapped[str] = mapped_column(sa.String(50))
    template_key: Mapped[str] = mapped_column(sa.String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    name: Mapped[str] = mapped_column(sa.String(300))
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(20))
    customer_facing: Mapped[bool]
    activate_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    revision: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


add_infrastructure_tables(Base.metadata)
metadata = Base.metadata
