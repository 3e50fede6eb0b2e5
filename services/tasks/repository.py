"""The queries the tasks service needs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.tasks.domain import ACTIVE, OPEN_STATUSES, PENDING
from services.tasks.models import ClosureDay, Task, TaskFramework


def framework_for(session: Session, workflow: str) -> TaskFramework | None:
    return session.get(TaskFramework, workflow)


def tasks_of_case(session: Session, case_id: str) -> list[Task]:
    return list(
        session.scalars(
            sa.select(Task).where(Task.case_id == case_id).order_by(Task.position, Task.id)
        )
    )


def tasks_of_correlation(session: Session, correlation_id: str) -> list[Task]:
    return list(
        session.scalars(
            sa.select(Task)
            .where(Task.correlation_id == correlation_id)
            .order_by(Task.position, Task.id)
            .with_for_update()
        )
    )


def get_task(session: Session, task_id: str, lock: bool = False) -> Task | None:
    query = sa.select(Task).where(Task.id == task_id)
    return session.scalar(query.with_for_update() if lock else query)


def due_pending_task_ids(session: Session, now: datetime, limit: int) -> list[str]:
    """Pending tasks whose activation time has come. On PostgreSQL, rows another replica is
    activating right now are skipped rather than waited for."""
    return list(
        session.scalars(
            sa.select(Task.id)
            .where(Task.status == PENDING, Task.activate_at <= now)
            .order_by(Task.activate_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def claim_activation(session: Session, task_id: str, now: datetime) -> bool:
    """Pending → active, only if still pending: of two racing replicas exactly one wins."""
    result = session.execute(
        sa.update(Task)
        .where(Task.id == task_id, Task.status == PENDING)
        .values(status=ACTIVE, activated_at=now, revision=Task.revision + 1)
    )
    return result.rowcount == 1


def tasks_needing_alert(
    session: Session, when: str, flag: str, now: datetime, limit: int
) -> list[str]:
    moment, raised = getattr(Task, when), getattr(Task, flag)
    return list(
        session.scalars(
            sa.select(Task.id)
            .where(Task.status.in_(OPEN_STATUSES), raised.is_(None), moment <= now)
            .order_by(moment)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def claim_alerts(session: Session, task_ids: list[str], flag: str, now: datetime) -> list[Task]:
    """Mark the alert raised on those still without it, in one statement; returns those claimed
    (a concurrent replica's claims are not returned twice)."""
    if not task_ids:
        return []
    raised = getattr(Task, flag)
    return list(
        session.scalars(
            sa.update(Task)
            .where(Task.id.in_(task_ids), raised.is_(None), Task.status.in_(OPEN_STATUSES))
            .values({flag: now, "revision": Task.revision + 1})
            .returning(Task),
            execution_options={"populate_existing": True},
        )
    )


def claim_activations(session: Session, task_ids: list[str], now: datetime) -> list[Task]:
    """Pending → active for those still pending, in one statement; returns those claimed."""
    if not task_ids:
        return []
    return list(
        session.scalars(
            sa.update(Task)
            .where(Task.id.in_(task_ids), Task.status == PENDING)
            .values(status=ACTIVE, activated_at=now, revision=Task.revision + 1)
            .returning(Task),
            execution_options={"populate_existing": True},
        )
    )


def cases_waiting_for_schedule(session: Session, case_ids: set[str]) -> list[str]:
    """Of these cases, those with a pending task that has no activation time yet."""
    return list(
        session.scalars(
            sa.select(Task.case_id)
            .where(Task.case_id.in_(case_ids), Task.status == PENDING, Task.activate_at.is_(None))
            .distinct()
        )
    )


def closure_days(session: Session) -> list:
    return list(session.scalars(sa.select(ClosureDay.day)))


def find_tasks(session: Session, filters: dict, now: datetime, end_of_today: datetime) -> dict:
    """Officers' lists: by owner, status, due today, overdue; soonest due first; paginated."""
    query = sa.select(Task)
    if filters.get("owner"):
        query = query.where(Task.owner == filters["owner"])
    if filters.get("status"):
        query = query.where(Task.status == filters["status"])
    if filters.get("due_today"):
        query = query.where(
            Task.status.in_(OPEN_STATUSES), Task.due_at <= end_of_today, Task.due_at > now
        )
    if filters.get("overdue"):
        query = query.where(Task.status.in_(OPEN_STATUSES), Task.due_at <= now)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page, size = filters["page"], filters["page_size"]
    rows = session.scalars(
        query.order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        .offset((page - 1) * size)
        .limit(size)
    )
    return {"items": list(rows), "total": total, "page": page, "page_size": size}
