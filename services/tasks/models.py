"""The tasks service's own database."""

from __future__ import annotations

from datetime import date, datetime
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
        # The alert scans read open tasks whose alert is not raised yet: partial indexes keep
        # their work proportional to the tasks due, not to every task ever warned.
        *(
            sa.Index(
                f"ix_tasks_{flag}_pending",
                moment,
                postgresql_where=sa.text(f"{flag} IS NULL AND status IN ('active', 'in_progress')"),
                sqlite_where=sa.text(f"{flag} IS NULL AND status IN ('active', 'in_progress')"),
            )
            for moment, flag in (
                ("warn_at", "warned_at"),
                ("due_at", "overdue_at"),
                ("escalate_at", "escalated_at"),
            )
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    case_reference: Mapped[str] = mapped_column(sa.String(20))
    correlation_id: Mapped[str] = mapped_column(sa.String(64))
    workflow: Mapped[str] = mapped_column(sa.String(50))
    template_key: Mapped[str] = mapped_column(sa.String(100))
    # Order within the case: the framework's order, then ad-hoc tasks as they are added.
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(20), default="framework")
    mandatory: Mapped[bool] = mapped_column(default=False)
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    name: Mapped[str] = mapped_column(sa.String(300))
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(20))
    customer_facing: Mapped[bool]
    activate_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalate_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When each alert was raised: set once, by whichever replica claims it.
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    overdue_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    hold_reason: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    revision: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ClosureDay(Base):
    """A day the council is closed (beyond weekends and bank holidays): not a working day."""

    __tablename__ = "closure_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(200))


add_infrastructure_tables(Base.metadata)
metadata = Base.metadata
