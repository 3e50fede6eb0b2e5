"""Use cases of the tasks service. No nameko."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.tasks import domain, events, repository, schemas
from services.tasks.calendar import WorkingCalendar
from services.tasks.domain import (
    ACTIVE,
    CANCELLED,
    COMPLETED,
    IN_PROGRESS,
    ON_HOLD,
    OPEN_STATUSES,
    PENDING,
    TaskTemplate,
)
from services.tasks.models import DutyPlan, Task, TaskCase
from shared import law
from shared.clock import london_date, utcnow
from shared.envelope import Envelope, load_event_data
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.unit_of_work import Transaction

SYSTEM = "system:tasks"
log = logging.getLogger(__name__)


def working_calendar(session: Session, nation: str) -> WorkingCalendar:
    return WorkingCalendar(nation, repository.closure_days(session))


def create_tasks_for_case(
    tx: Transaction, event: Envelope, working: WorkingCalendar, council_nation: str | None = None
) -> list[Task]:
    """Instantiate the opening tasks of the workflow's framework edition in force for the case's
    nation on the day it opened: independent tasks active now, dependent ones pending with no
    activation time until their predecessors get there. The case is remembered, so that its
    duty tasks can start when a duty begins (``duties``)."""
    data = load_event_data(event, schemas.CaseOpenedData())
    if repository.task_case(tx.session, data["case_id"]) is not None:
        return []
    nation = _nation(data["nation"] or council_nation)
    now = utcnow()
    known = TaskCase(
        case_id=data["case_id"],
        reference=data["reference"],
        correlation_id=event.correlation_id,
        workflow=data["workflow"],
        nation=nation,
        opened_on=london_date(data["opened_at"] or now),
        created_at=now,
    )
    tx.session.add(known)
    framework = repository.framework_in_force(tx.session, known.workflow, nation, known.opened_on)
    if framework is None:
        log.info(
            "no %s task framework in force for %s on %s", known.workflow, nation, known.opened_on
        )
    created = []
    case = CaseRef(data["case_id"], data["reference"], event.correlation_id, data["workflow"])
    for position, raw in enumerate(framework.tasks if framework else []):
        created.append(instantiate_task(tx, case, raw, position, now, working, event.id))
    tx.session.flush()
    # A start-to-start successor of a task active from the outset can be scheduled now.
    schedule_dependents(tx, data["case_id"], now, working)
    tx.emit(
        events.plan_created(
            data["case_id"],
            data["reference"],
            data["workflow"],
            created,
            event.correlation_id,
            event.id,
        )
    )
    return created


def _nation(value: str | None) -> str:
    try:
        return law.council_nation(value)
    except law.UnknownNation as unknown:
        raise ValidationFailed({"data.nation": [str(unknown)]}) from None


@dataclass(frozen=True)
class CaseRef:
    case_id: str
    reference: str
    correlation_id: str
    workflow: str


def instantiate_task(
    tx: Transaction,
    case: CaseRef,
    definition: dict[str, Any],
    position: int,
    now: datetime,
    working: WorkingCalendar,
    causation_id: str,
    plan: DutyPlan | None = None,
    anchor: datetime | None = None,
) -> Task:
    """One framework task on the case: without predecessors, active at once, or from ``anchor``
    for a duty task (already active, and perhaps already due, when the anchor has passed;
    pending until it comes otherwise); with predecessors, pending."""
    template = TaskTemplate.parse(definition)
    task = Task(
        id=str(uuid.uuid4()),
        case_id=case.case_id,
        case_reference=case.reference,
        correlation_id=case.correlation_id,
        workflow=case.workflow,
        template_key=template.key,
        position=position,
        kind="framework",
        mandatory=template.mandatory,
        definition=definition,
        name=template.name,
        owner=domain.initial_owner(template.owner),
        status=PENDING,
        customer_facing=template.customer_facing,
        revision=1,
        created_at=now,
        duty=plan.duty if plan else None,
        duty_plan_id=plan.id if plan else None,
    )
    if anchor is not None and anchor > now:
        task.activate_at = anchor
    elif not template.depends_on:
        _make_active(task, anchor or now, working)
    tx.session.add(task)
    tx.emit(events.task_event(events.TASK_CREATED, task, causation_id=causation_id))
    _audit(tx, task, "task.created", SYSTEM, None, {"status": task.status}, causation_id)
    return task


def follow_workflow_change(
    tx: Transaction, event: Envelope, working: WorkingCalendar
) -> list[Task]:
    """The enquiry moved to another workflow: the old framework's unfinished opening tasks are
    cancelled (ad-hoc tasks stay, and so do a running duty's tasks: the duty has not changed)
    and the new workflow's opening tasks are instantiated from its edition in force today."""
    data = load_event_data(event, schemas.WorkflowChangedData())
    known = repository.task_case_of_correlation(tx.session, event.correlation_id)
    if known is None:
        raise CaseNotKnownYet(data["enquiry_id"])
    if known.workflow == data["workflow"]:
        return []
    now = utcnow()
    tasks = repository.tasks_of_correlation(tx.session, event.correlation_id)
    reason = f"workflow changed to {data['workflow']}"
    known.workflow = data["workflow"]
    case = CaseRef(known.case_id, known.reference, known.correlation_id, data["workflow"])
    for task in tasks:
        task.workflow = data["workflow"]
        opening = task.kind == "framework" and task.duty is None
        if opening and task.status not in (COMPLETED, CANCELLED):
            before = {"status": task.status}
            task.status, task.completed_at, task.cancel_reason = CANCELLED, now, reason
            record_change(tx, task, events.TASK_CANCELLED, SYSTEM, before, reason=reason)
    framework = repository.framework_in_force(
        tx.session, data["workflow"], known.nation, london_date(now)
    )
    created = []
    offset = repository.next_position(tx.session, known.case_id)
    # The new framework's keys (and its links) get the workflow as a suffix, so they never
    # resolve to the cancelled tasks of the old one.
    suffix = f"@{data['workflow']}"
    for position, raw in enumerate(framework.tasks if framework else [], start=offset):
        definition = {
            **raw,
            "key": raw["key"] + suffix,
            "depends_on": [
                {**link, "task": link["task"] + suffix} for link in raw.get("depends_on", [])
            ],
        }
        created.append(instantiate_task(tx, case, definition, position, now, working, event.id))
    tx.session.flush()
    schedule_dependents(tx, known.case_id, now, working)
    return created


class CaseNotKnownYet(Exception):
    """Retryable: a case event (a workflow change, a stage change) overtook case.opened; the
    event is redelivered."""


def add_task(tx: Transaction, request: dict[str, Any], working: WorkingCalendar) -> Task:
    """An ad-hoc task on a case this service knows (it has seen it open), active at once."""
    known = repository.task_case(tx.session, request["case_id"])
    if known is None:
        raise NotFound("case", request["case_id"])
    siblings = repository.tasks_of_case(tx.session, request["case_id"])
    now = utcnow()
    # With a request_id the key is the caller's, so the unique (case, key) pair makes a
    # repeated request find the task it added instead of adding another.
    key = f"adhoc-{request['request_id'] or uuid.uuid4().hex[:8]}"
    definition = {
        "key": key,
        "name": request["name"],
        "owner": request["owner"],
        "due_in": request["due_in"],
        "customer_facing": request["customer_facing"],
    }
    earlier = next((t for t in siblings if t.template_key == key), None)
    if earlier is not None:
        if earlier.definition != definition:
            raise Conflict(
                f"request_id {request['request_id']!r} already added a different task to "
                f"case {known.case_id}"
            )
        return earlier
    task = Task(
        id=str(uuid.uuid4()),
        case_id=known.case_id,
        case_reference=known.reference,
        correlation_id=known.correlation_id,
        workflow=known.workflow,
        template_key=key,
        position=repository.next_position(tx.session, known.case_id),
        kind="adhoc",
        mandatory=False,
        definition=definition,
        name=request["name"],
        owner=request["owner"],
        status=PENDING,
        customer_facing=request["customer_facing"],
        revision=1,
        created_at=now,
    )
    _make_active(task, now, working)
    tx.session.add(task)
    tx.session.flush()
    tx.emit(events.task_event(events.TASK_CREATED, task))
    _audit(tx, task, "task.created", request["actor"], None, {"status": ACTIVE, "kind": "adhoc"})
    return task


def start_task(tx: Transaction, request: dict[str, Any]) -> Task:
    task = _task(tx, request["task_id"], (ACTIVE,), "started")
    task.status, task.started_at = IN_PROGRESS, utcnow()
    return record_change(tx, task, events.TASK_STARTED, request["actor"], {"status": ACTIVE})


def complete_task(tx: Transaction, request: dict[str, Any], working: WorkingCalendar) -> Task:
    task = _task(tx, request["task_id"], OPEN_STATUSES, "completed")
    before = {"status": task.status}
    now = utcnow()
    task.status, task.completed_at, task.outcome = COMPLETED, now, request["outcome"]
    record_change(tx, task, events.TASK_COMPLETED, request["actor"], before, outcome=task.outcome)
    schedule_dependents(tx, task.case_id, now, working)
    return task


def hold_task(tx: Transaction, request: dict[str, Any]) -> Task:
    """Stop the task's clock: while on hold it cannot become due, warned or escalated."""
    task = _task(tx, request["task_id"], OPEN_STATUSES, "put on hold")
    before = {"status": task.status}
    task.status, task.held_at, task.hold_reason = ON_HOLD, utcnow(), request["reason"]
    return record_change(
        tx, task, events.TASK_ON_HOLD, request["actor"], before, reason=request["reason"]
    )


def release_task(tx: Transaction, request: dict[str, Any]) -> Task:
    """Back to work; every deadline moves later by the time spent on hold."""
    task = _task(tx, request["task_id"], (ON_HOLD,), "released")
    held_for = utcnow() - task.held_at
    task.status = IN_PROGRESS if task.started_at else ACTIVE
    task.due_at, task.warn_at, task.escalate_at = (
        moment + held_for if moment else None
        for moment in (task.due_at, task.warn_at, task.escalate_at)
    )
    task.held_at, task.hold_reason = None, None
    return record_change(
        tx,
        task,
        events.TASK_RELEASED,
        request["actor"],
        {"status": ON_HOLD},
        held_for_minutes=int(held_for.total_seconds() // 60),
    )


def reassign_task(tx: Transaction, request: dict[str, Any]) -> Task:
    task = _task(tx, request["task_id"], (PENDING, ACTIVE, IN_PROGRESS, ON_HOLD), "reassigned")
    if task.owner == request["owner"]:
        raise Conflict(f"task {task.id} is already owned by {task.owner}")
    before = {"owner": task.owner}
    task.owner = request["owner"]
    return record_change(
        tx, task, events.TASK_REASSIGNED, request["actor"], before, owner=task.owner
    )


def cancel_task(tx: Transaction, request: dict[str, Any], working: WorkingCalendar) -> Task:
    """Cancelling a task releases the tasks that waited for it, as finishing it would."""
    task = _task(tx, request["task_id"], (PENDING, ACTIVE, IN_PROGRESS, ON_HOLD), "cancelled")
    before, now = {"status": task.status}, utcnow()
    task.status, task.completed_at, task.cancel_reason = CANCELLED, now, request["reason"]
    record_change(
        tx, task, events.TASK_CANCELLED, request["actor"], before, reason=request["reason"]
    )
    schedule_dependents(tx, task.case_id, now, working)
    return task


def schedule_dependents(
    tx: Transaction, case_id: str, now: datetime, working: WorkingCalendar
) -> None:
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
        when = domain.activation_time(TaskTemplate.parse(task.definition), states, working)
        if when is None:
            continue
        task.activate_at = when
        tx.session.flush()
        _audit(tx, task, "task.scheduled", SYSTEM, None, {"activate_at": when.isoformat()})
        if when <= now:
            activate(tx, task.id, now, working)


def activate(tx: Transaction, task_id: str, now: datetime, working: WorkingCalendar) -> bool:
    if not repository.claim_activation(tx.session, task_id, now):
        return False
    task = repository.get_task(tx.session, task_id)
    tx.session.refresh(task)
    set_deadlines(task, task.activate_at or now, working)
    tx.emit(events.task_event(events.TASK_ACTIVATED, task))
    _audit(tx, task, "task.activated", SYSTEM, {"status": PENDING}, {"status": ACTIVE})
    # A start-to-start successor may be waiting for exactly this.
    schedule_dependents(tx, task.case_id, now, working)
    return True


def activate_due_tasks(
    tx: Transaction, now: datetime, working: WorkingCalendar, limit: int = 500
) -> int:
    """One scan: activate every pending task that is due, claiming them in one statement. Safe
    with several replicas: rows another replica holds are skipped, and a row is claimed only
    while still pending."""
    due = repository.due_pending_task_ids(tx.session, now, limit)
    claimed = repository.claim_activations(tx.session, due, now)
    for task in claimed:
        # From when it was due to start, not when the scan came round: a task anchored to a
        # duty's dates keeps them after downtime.
        set_deadlines(task, task.activate_at or now, working)
        tx.emit(events.task_event(events.TASK_ACTIVATED, task))
        _audit(tx, task, "task.activated", SYSTEM, {"status": PENDING}, {"status": ACTIVE})
    tx.session.flush()
    # Start-to-start successors of the tasks just activated may now be scheduled.
    for case_id in repository.cases_waiting_for_schedule(tx.session, {t.case_id for t in claimed}):
        schedule_dependents(tx, case_id, now, working)
    return len(claimed)


ALERTS = (
    ("warn_at", "warned_at", events.TASK_WARNING),
    ("due_at", "overdue_at", events.TASK_OVERDUE),
    ("escalate_at", "escalated_at", events.TASK_ESCALATED),
)


def raise_task_alerts(tx: Transaction, now: datetime, limit: int = 500) -> int:
    """Warning, overdue and escalated: each raised once per task (a conditional update claims
    it), for open tasks only (not on hold), catching up after downtime."""
    raised = 0
    for when, flag, event_type in ALERTS:
        due = repository.tasks_needing_alert(tx.session, when, flag, now, limit)
        for task in repository.claim_alerts(tx.session, due, flag, now):
            tx.emit(events.task_event(event_type, task))
            _audit(tx, task, event_type, SYSTEM, None, {when: getattr(task, when).isoformat()})
            raised += 1
    return raised


def _make_active(task: Task, now: datetime, working: WorkingCalendar) -> None:
    task.status, task.activate_at, task.activated_at = ACTIVE, now, now
    set_deadlines(task, now, working)


def set_deadlines(task: Task, active_from: datetime, working: WorkingCalendar) -> None:
    found = domain.deadlines(TaskTemplate.parse(task.definition), active_from, working)
    task.due_at, task.warn_at, task.escalate_at = found.due_at, found.warn_at, found.escalate_at


def _task(tx: Transaction, task_id: str, allowed: tuple[str, ...], action: str) -> Task:
    task = repository.get_task(tx.session, task_id, lock=True)
    if task is None:
        raise NotFound("task", task_id)
    if task.status not in allowed:
        raise Conflict(f"task {task_id} is {task.status}: it cannot be {action}")
    return task


def record_change(
    tx: Transaction, task: Task, event_type: str, actor: str, before: dict, **after: Any
) -> Task:
    task.revision += 1
    tx.session.flush()
    tx.emit(events.task_event(event_type, task))
    _audit(tx, task, event_type, actor, before, {"status": task.status, **after})
    return task


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
