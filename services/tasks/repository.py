"""The queries the tasks service needs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.tasks.domain import ACTIVE, PENDING
from services.tasks.models import Task, TaskFramework


def framework_for(session: Session, workflow: str) -> TaskFramework | None:
    return session.get(TaskFramework, workflow)


def tasks_of_case(session: Session, case_id: str) -> list[Task]:
    return list(
        session.scalars(sa.select(Task).where(Task.case_id == case_id).order_by(Task.created_at))
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
