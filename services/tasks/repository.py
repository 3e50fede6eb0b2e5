"""Every query the tasks service needs, and nothing else (SQLAlchemy 2 ``select``/``update``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.tasks.commands import FindTasks, ListFrameworks
from services.tasks.domain import ACTIVE, OPEN_STATUSES, PENDING, UNFINISHED
from services.tasks.frameworks import FrameworkEdition, edition_in_force
from services.tasks.models import ClosureDay, DutyPlan, Task, TaskCase, TaskFramework
from shared.db import paginate


def framework_in_force(
    session: Session, workflow: str, nation: str, on: date
) -> TaskFramework | None:
    """The workflow's framework edition in force for ``nation`` on ``on`` (see
    ``frameworks.edition_in_force`` for which one wins when several are)."""
    rows = {
        row.id: row
        for row in session.scalars(
            sa.select(TaskFramework).where(
                TaskFramework.workflow == workflow,
                TaskFramework.effective_from <= on,
                sa.or_(TaskFramework.effective_to.is_(None), TaskFramework.effective_to >= on),
            )
        )
    }
    chosen = edition_in_force(
        [
            FrameworkEdition(
                row.workflow, tuple(row.nations), row.effective_from, row.effective_to, row.tasks
            )
            for row in rows.values()
        ],
        nation,
        on,
    )
    return rows[chosen.key] if chosen else None


def framework_edition(
    session: Session, edition_id: str, lock: bool = False
) -> TaskFramework | None:
    """One stored edition; ``lock``: for update, so two loads of it take turns (each new
    version follows the one before, none is lost)."""
    return session.get(TaskFramework, edition_id, with_for_update=lock or None)


def frameworks_page(session: Session, query: ListFrameworks) -> dict[str, Any]:
    """Stored editions by workflow, then first day in force; one page of them."""
    select = sa.select(TaskFramework)
    if query.workflow:
        select = select.where(TaskFramework.workflow == query.workflow)
    ordered = select.order_by(
        TaskFramework.workflow, TaskFramework.effective_from, TaskFramework.id
    )
    return paginate(session, ordered, query.page, query.page_size)


def task_case(session: Session, case_id: str, lock: bool = False) -> TaskCase | None:
    query = sa.select(TaskCase).where(TaskCase.case_id == case_id)
    return session.scalar(query.with_for_update() if lock else query)


def task_case_of_correlation(session: Session, correlation_id: str) -> TaskCase | None:
    return session.scalar(
        sa.select(TaskCase).where(TaskCase.correlation_id == correlation_id).with_for_update()
    )


def open_duty_plan(session: Session, case_id: str, duty: str) -> DutyPlan | None:
    return session.scalar(
        sa.select(DutyPlan)
        .where(DutyPlan.case_id == case_id, DutyPlan.duty == duty, DutyPlan.ended_at.is_(None))
        .order_by(DutyPlan.entry.desc())
        .limit(1)
        .with_for_update()
    )


def duty_entries(session: Session, case_id: str, duty: str) -> int:
    """How many times the case has entered this duty so far."""
    return session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(DutyPlan.entry), 0)).where(
            DutyPlan.case_id == case_id, DutyPlan.duty == duty
        )
    )


def duty_plans_of_case(session: Session, case_id: str) -> list[DutyPlan]:
    return list(
        session.scalars(
            sa.select(DutyPlan)
            .where(DutyPlan.case_id == case_id)
            .order_by(DutyPlan.started_at, DutyPlan.entry)
        )
    )


def tasks_following_case_owner(session: Session, case_id: str) -> list[Task]:
    """The case's unfinished tasks that still follow its owner, locked: an officer reassigning
    one at the same moment waits, or is waited for and the task no longer follows."""
    return _tasks_in_order(
        session,
        Task.case_id == case_id,
        Task.follows_case_owner.is_(True),
        Task.status.in_(UNFINISHED),
        lock=True,
    )


def unfinished_tasks_of_plan(session: Session, plan_id: str) -> list[Task]:
    return _tasks_in_order(
        session, Task.duty_plan_id == plan_id, Task.status.in_(UNFINISHED), lock=True
    )


def next_position(session: Session, case_id: str) -> int:
    """Where the next task added to the case goes in its order."""
    return session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Task.position) + 1, 0)).where(
            Task.case_id == case_id
        )
    )


def tasks_of_case(session: Session, case_id: str) -> list[Task]:
    return _tasks_in_order(session, Task.case_id == case_id)


def tasks_of_correlation(session: Session, correlation_id: str) -> list[Task]:
    return _tasks_in_order(session, Task.correlation_id == correlation_id, lock=True)


def _tasks_in_order(session: Session, *where: Any, lock: bool = False) -> list[Task]:
    """Tasks in the case's order (``position``); locked for update when ``lock``."""
    query = sa.select(Task).where(*where).order_by(Task.position, Task.id)
    return list(session.scalars(query.with_for_update() if lock else query))


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


def closure_days(session: Session) -> list[date]:
    return list(session.scalars(sa.select(ClosureDay.day)))


def closure_day(session: Session, day: date) -> ClosureDay | None:
    return session.get(ClosureDay, day)


def closure_days_in_order(session: Session) -> list[ClosureDay]:
    return list(session.scalars(sa.select(ClosureDay).order_by(ClosureDay.day)))


def task_of_case_by_key(session: Session, case_id: str, key: str) -> Task | None:
    return session.scalar(sa.select(Task).where(Task.case_id == case_id, Task.template_key == key))


def find_tasks(
    session: Session,
    filters: FindTasks,
    now: datetime,
    end_of_today: datetime,
    team: str | None = None,
) -> dict[str, Any]:
    """Officers' lists: by owner, status, due today, overdue; soonest due first; paginated.
    With ``team``, only tasks of that team's cases (and of cases from before teams)."""
    query = sa.select(Task)
    if team is not None:
        others = sa.select(TaskCase.case_id).where(
            TaskCase.team.is_not(None), TaskCase.team != team
        )
        query = query.where(Task.case_id.not_in(others))
    if filters.owner:
        query = query.where(Task.owner == filters.owner)
    if filters.status:
        query = query.where(Task.status == filters.status)
    if filters.due_today:
        query = query.where(
            Task.status.in_(OPEN_STATUSES), Task.due_at <= end_of_today, Task.due_at > now
        )
    if filters.overdue:
        query = query.where(Task.status.in_(OPEN_STATUSES), Task.due_at <= now)
    return paginate(
        session,
        query.order_by(Task.due_at.is_(None), Task.due_at, Task.id),
        filters.page,
        filters.page_size,
    )
