"""Use cases of the tasks service. No nameko."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.tasks import domain, events, repository, schemas
from services.tasks.domain import ACTIVE, COMPLETED, PENDING, TaskTemplate
from services.tasks.models import Task
from shared.clock import utcnow
from shared.envelope import Envelope, load_event_data
from shared.errors import Conflict, NotFound
from shared.unit_of_work import Transaction

SYSTEM = "system:tasks"


def create_tasks_for_case(tx: Transaction, event: Envelope) -> list[Task]:
    """Instantiate the workflow's framework: independent tasks active now, dependent ones pending
    with no activation time until their predecessors get there."""
    data = load_event_data(event, schemas.CaseOpenedData())
    if repository.tasks_of_case(tx.session, data["case_id"]):
        return []
    framework = repository.framework_for(tx.session, data["workflow"])
    if framework is None:
        return []
    now = utcnow()
    created = []
    for raw in framework.tasks:
        template = TaskTemplate.parse(raw)
        independent = not template.depends_on
        task = Task(
            id=str(uuid.uuid4()),
            case_id=data["case_id"],
            case_reference=data["reference"],
            correlation_id=event.correlation_id,
            workflow=data["workflow"],
            template_key=template.key,
            definition=raw,
            name=template.name,
            owner=domain.initial_owner(template.owner),
            status=ACTIVE if independent else PENDING,
            customer_facing=template.customer_facing,
            activate_at=now if independent else None,
            activated_at=now if independent else None,
            due_at=domain.add_lag(now, template.due_in) if independent else None,
            revision=1,
            created_at=now,
        )
        tx.session.add(task)
        created.append(task)
        tx.emit(events.task_event(events.TASK_CREATED, task, causation_id=event.id))
        _audit(tx, task, "task.created", SYSTEM, None, {"status": task.status}, event.id)
    tx.session.flush()
    # A start-to-start successor of a task active from the outset can be scheduled now.
    schedule_dependents(tx, data["case_id"], now)
    return created


def complete_task(tx: Transaction, task_id: str, outcome: str, actor: str) -> Task:
    task = repository.get_task(tx.session, task_id, lock=True)
    if task is None:
        raise NotFound("task", task_id)
    if task.status != ACTIVE:
        raise Conflict(f"task {task_id} is {task.status}; only an active task can be completed")
    now = utcnow()
    task.status, task.completed_at, task.outcome = COMPLETED, now, outcome
    task.revision += 1
    tx.emit(events.task_event(events.TASK_COMPLETED, task))
    _audit(
        tx,
        task,
        "task.completed",
        actor,
        {"status": ACTIVE},
        {"status": COMPLETED, "outcome": outcome},
    )
    schedule_dependents(tx, task.case_id, now)
    return task


def schedule_dependents(tx: Transaction, case_id: str, now: datetime) -> None:
    """Give every waiting task whose predecessors are now all far enough along its activation
    time; activate at once those already due."""
    tasks = repository.tasks_of_case(tx.session, case_id)
    states = {
        t.template_key: domain.TaskState(t.template_key, t.status, t.activated_at, t.completed_at)
        for t in tasks
    }
    for task in tasks:
        if task.status != PENDING or task.activate_at is not None:
            continue
        when = domain.activation_time(TaskTemplate.parse(task.definition), states)
        if when is None:
            continue
        task.activate_at = when
        tx.session.flush()
        _audit(tx, task, "task.scheduled", SYSTEM, None, {"activate_at": when.isoformat()})
        if when <= now:
            activate(tx, task.id, now)


def activate(tx: Transaction, task_id: str, now: datetime) -> bool:
    if not repository.claim_activation(tx.session, task_id, now):
        return False
    task = repository.get_task(tx.session, task_id)
    tx.session.refresh(task)
    task.due_at = domain.add_lag(now, TaskTemplate.parse(task.definition).due_in)
    tx.emit(events.task_event(events.TASK_ACTIVATED, task))
    _audit(tx, task, "task.activated", SYSTEM, {"status": PENDING}, {"status": ACTIVE})
    # A start-to-start successor may be waiting for exactly this.
    schedule_dependents(tx, task.case_id, now)
    return True


def activate_due_tasks(tx: Transaction, now: datetime, limit: int = 500) -> int:
    """One scan: activate every pending task that is due. Safe with several replicas."""
    return sum(
        activate(tx, task_id, now)
        for task_id in repository.due_pending_task_ids(tx.session, now, limit)
    )


def _audit(
    tx: Transaction,
    task: Task,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    causation_id: str | None = None,
) -> None:
    tx.audit(
        actor=actor,
        action=action,
        entity_type="task",
        entity_id=task.id,
        case_id=task.case_id,
        correlation_id=task.correlation_id,
        causation_id=causation_id,
        before=before,
        after={"key": task.template_key, **after},
    )
