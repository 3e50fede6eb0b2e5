"""The tasks service's own database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.tasks.domain import TaskLifecycle
from shared.db import UtcDateTime, add_infrastructure_tables


class Base(DeclarativeBase):
    pass


class TaskFramework(Base):
    """One dated edition of a workflow's framework, for the nations whose law it follows
    (services/tasks/frameworks.py)."""

    __tablename__ = "task_frameworks"

    # "<workflow>/<nations>/<effective_from>": loading the same edition again updates it.
    id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    workflow: Mapped[str] = mapped_column(sa.String(50), index=True)
    nations: Mapped[list[str]] = mapped_column(sa.JSON)
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    # The tasks a case starts with when it opens.
    tasks: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    # Duty ("prevention", "relief") -> the tasks that duty starts with, anchored to its start.
    on_duty: Mapped[dict[str, list[dict[str, Any]]]] = mapped_column(sa.JSON)
    # "seed" (shipped, refreshed on every start) or "council" (loaded by the council, which the
    # shipped seed then leaves alone).
    origin: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TaskCase(Base):
    """What this service knows of a case: enough to choose its framework edition when a duty
    begins, and the stage and owner it last heard of (events of different types may arrive out
    of order; one older than the stage or owner recorded here changes nothing)."""

    __tablename__ = "task_cases"

    case_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20))
    correlation_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    workflow: Mapped[str] = mapped_column(sa.String(50))
    nation: Mapped[str] = mapped_column(sa.String(20))
    # The case's team (case.opened): its officers see and work the case's tasks. None for a
    # case opened before teams were announced: any officer, as before.
    team: Mapped[str | None] = mapped_column(sa.String(60), index=True)
    opened_on: Mapped[date]
    stage: Mapped[str | None] = mapped_column(sa.String(30))
    # The publication time of the case event that set ``stage``.
    stage_event_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The case's owner (case.assigned; a case opens without one), which tasks following the
    # case owner take, and the publication time of the event that set it.
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    owner_event_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DutyPlan(Base):
    """One entry of a case into a duty stage and the tasks it started: at most one per case,
    duty and entry, so a redelivered or repeated stage change never starts them twice."""

    __tablename__ = "duty_plans"
    __table_args__ = (sa.UniqueConstraint("case_id", "duty", "entry"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    duty: Mapped[str] = mapped_column(sa.String(20))
    # 1 for the first time the case entered this duty, 2 after it was reopened into it, ...
    entry: Mapped[int]
    # The duty clock's dates as announced: the first day (possibly backdated), the last day and
    # the day after it.
    starts_on: Mapped[date]
    due_on: Mapped[date | None]
    day_after: Mapped[date | None]
    framework_id: Mapped[str | None] = mapped_column(sa.String(120))
    framework_version: Mapped[int | None]
    started_by_event: Mapped[str] = mapped_column(sa.String(64))
    # The publication time of that event: a duty ending announced before it was for an earlier
    # entry and leaves this one alone.
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    end_reason: Mapped[str | None] = mapped_column(sa.Text)


class Task(Base, TaskLifecycle):
    """A task on a case; its lifecycle (``domain.TRANSITIONS``) comes from ``TaskLifecycle``."""

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
    # Framework tasks a duty started ("prevention", "relief"); None for opening and ad-hoc tasks.
    duty: Mapped[str | None] = mapped_column(sa.String(20))
    duty_plan_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    name: Mapped[str] = mapped_column(sa.String(300))
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    # The framework's ``case_owner`` rule: the owner changes with the case's, until an officer
    # reassigns the task by hand.
    follows_case_owner: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
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
