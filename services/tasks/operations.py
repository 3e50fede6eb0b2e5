"""Use cases of the tasks service: each loads what it needs through ``repository``, changes a
task by calling its behaviour (``domain.TaskLifecycle``, which follows ``domain.TRANSITIONS``
and records each change it makes); the unit of work announces what the tasks recorded, the event
for the outbox and the audit entry, in the caller's transaction. No nameko, no session handling:
the unit of work's ``Transaction`` is passed in."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from services.tasks import commands, domain, events, repository, schemas, seed
from services.tasks.calendar import WorkingCalendar
from services.tasks.domain import PENDING, UNFINISHED, TaskTemplate
from services.tasks.models import ClosureDay, DutyPlan, Task, TaskCase
from services.tasks.seed import StoredEdition
from shared import law
from shared.clock import london_date, parse_iso, utcnow
from shared.envelope import Envelope, load_event_data, new_correlation_id
from shared.errors import Conflict, Forbidden, NotFound, NotYet, ValidationFailed
from shared.unit_of_work import Transaction

SYSTEM = "system:tasks"
log = logging.getLogger(__name__)


def working_calendar(tx: Transaction, nation: str) -> WorkingCalendar:
    """Working days for ``nation``'s bank holidays and the council's own closure days."""
    return WorkingCalendar(nation, repository.closure_days(tx.session))


# --- What officers read ------------------------------------------------------------------------


def list_tasks(tx: Transaction, query: commands.ListTasks) -> list[Task]:
    """The case's tasks, in the framework's order, then ad-hoc tasks as added (an officer:
    of their own team's case only)."""
    _check_team(tx, repository.task_case(tx.session, query.case_id))
    return repository.tasks_of_case(tx.session, query.case_id)


def find_tasks(tx: Transaction, query: commands.FindTasks) -> dict[str, Any]:
    """One page of an officer's list (``repository.find_tasks``); "today" is London's. An
    officer finds their own team's work only."""
    now = utcnow()
    team = _officer_team(tx)
    return repository.find_tasks(tx.session, query, now, domain.end_of_today(now), team=team)


def _officer_team(tx: Transaction) -> str | None:
    """The team an officer's view is limited to; None when it is not limited (the service
    itself, an auditor)."""
    return tx.caller.team_scope if tx.caller is not None else None


def _check_team(tx: Transaction, case: TaskCase | None) -> None:
    """An officer works the tasks of their own team's cases (a case from before teams were
    announced, or one not seen yet, is anyone's)."""
    team = _officer_team(tx)
    if team is not None and case is not None and case.team is not None and case.team != team:
        raise Forbidden(
            tx.action or "task",
            "this case belongs to another team",
            case_id=case.case_id,
            correlation_id=case.correlation_id,
        )


def list_closure_days(tx: Transaction) -> list[ClosureDay]:
    return repository.closure_days_in_order(tx.session)


# --- What officers do ------------------------------------------------------------------------


def start_task(tx: Transaction, command: commands.StartTask) -> Task:
    task = _task(tx, command.task_id)
    task.start(utcnow(), command.actor)
    return task


def complete_task(tx: Transaction, command: commands.CompleteTask, calendar_nation: str) -> Task:
    """Complete an open task; the tasks waiting for it are scheduled."""
    return _finish(
        tx,
        command.task_id,
        lambda task, now: task.complete(now, command.outcome, command.actor),
        calendar_nation,
    )


def hold_task(tx: Transaction, command: commands.HoldTask) -> Task:
    """Stop the task's clock: while on hold it cannot become due, warned or escalated."""
    task = _task(tx, command.task_id)
    task.hold(utcnow(), command.reason, command.actor)
    return task


def release_task(tx: Transaction, command: commands.ReleaseTask) -> Task:
    """Back to work; every deadline moves later by the time spent on hold."""
    task = _task(tx, command.task_id)
    task.release(utcnow(), command.actor)
    return task


def reassign_task(tx: Transaction, command: commands.ReassignTask) -> Task:
    task = _task(tx, command.task_id)
    task.reassign(command.owner, command.actor)
    return task


def cancel_task(tx: Transaction, command: commands.CancelTask, calendar_nation: str) -> Task:
    """Cancelling a task releases the tasks that waited for it, as finishing it would."""
    return _finish(
        tx,
        command.task_id,
        lambda task, now: task.cancel(now, command.reason, command.actor),
        calendar_nation,
    )


def _finish(
    tx: Transaction,
    task_id: str,
    end: Callable[[Task, datetime], None],
    calendar_nation: str,
) -> Task:
    """End the task (``end``: complete or cancel it), then schedule the tasks that waited."""
    task = _task(tx, task_id)
    now = utcnow()
    end(task, now)
    schedule_dependents(tx, task.case_id, now, working_calendar(tx, calendar_nation))
    return task


def add_task(tx: Transaction, command: commands.AddTask, calendar_nation: str) -> Task:
    """An ad-hoc task on a case this service knows (it has seen it open), active at once. With
    a ``request_id`` the task's key is the caller's, so the same request again finds the task it
    added (the unique case and key) instead of adding another."""
    known = repository.task_case(tx.session, command.case_id)
    if known is None:
        raise NotFound("case", command.case_id)
    _check_team(tx, known)
    key = f"adhoc-{command.request_id or uuid.uuid4().hex[:8]}"
    definition = {
        "key": key,
        "name": command.name,
        "owner": command.owner,
        "due_in": {"amount": command.due_in.amount, "unit": command.due_in.unit},
        "customer_facing": command.customer_facing,
    }
    earlier = repository.task_of_case_by_key(tx.session, known.case_id, key)
    if earlier is not None:
        if earlier.definition != definition:
            raise Conflict(
                f"request_id {command.request_id!r} already added a different task to "
                f"case {known.case_id}"
            )
        return earlier
    now = utcnow()
    position = repository.next_position(tx.session, known.case_id)
    task = new_task(CaseRef.of(known), definition, position, now, kind="adhoc")
    task.make_active(now, _deadlines(task, now, working_calendar(tx, calendar_nation)))
    tx.session.add(task)
    task.announce_created(command.actor, kind="adhoc")
    return task


def add_closure_day(tx: Transaction, command: commands.AddClosureDay) -> ClosureDay:
    """A local closure day: not a working day from now on (deadlines already set stay)."""
    if repository.closure_day(tx.session, command.day) is not None:
        raise Conflict(f"{command.day} is already a closure day")
    day = ClosureDay(day=command.day, reason=command.reason)
    tx.session.add(day)
    audit(
        tx,
        "closure_day.added",
        ("closure_day", command.day.isoformat()),
        CALENDAR,
        command.actor,
        None,
        {"day": command.day.isoformat(), "reason": command.reason},
    )
    return day


def list_frameworks(tx: Transaction, query: commands.ListFrameworks) -> dict[str, Any]:
    """One page of the stored framework editions (``repository.frameworks_page``)."""
    return repository.frameworks_page(tx.session, query)


def load_frameworks(tx: Transaction, command: commands.LoadFrameworks) -> list[StoredEdition]:
    """A council's framework document: every edition checked before any is stored
    (``ValidationFailed`` naming each wrong field as ``document.<path>``), then each stored as
    the council's (``seed.load_frameworks``). Each edition added, changed or taken over from
    the shipped seed is on the audit trail; one load is one correlation id."""
    try:
        stored = seed.load_frameworks(tx.session, command.document, origin=seed.COUNCIL)
    except ValidationFailed as refused:
        raise ValidationFailed(
            {f"document.{path}": messages for path, messages in refused.field_errors.items()},
            "task frameworks are invalid",
        ) from None
    except IntegrityError:
        raise Conflict(
            "an edition in this document was loaded by someone else at the same moment: "
            "list the frameworks and try again"
        ) from None
    scope = _Scope(None, new_correlation_id())
    for loaded in stored:
        if loaded.change in (seed.UNCHANGED, seed.KEPT):
            continue
        row = loaded.row
        audit(
            tx,
            f"task_framework.{loaded.change}",
            ("task_framework", row.id),
            scope,
            command.actor,
            loaded.before,
            {
                "version": row.version,
                "origin": row.origin,
                "effective_to": row.effective_to.isoformat() if row.effective_to else None,
                "tasks": len(row.tasks),
                "duty_tasks": {duty: len(tasks) for duty, tasks in row.on_duty.items()},
            },
        )
    return stored


def _task(tx: Transaction, task_id: str) -> Task:
    task = repository.get_task(tx.session, task_id, lock=True)
    if task is None:
        raise NotFound("task", task_id)
    _check_team(tx, repository.task_case(tx.session, task.case_id))
    return task


# --- What case events cause ------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRef:
    """What a new task copies from its case: a task following the case owner takes ``owner``
    (None until the case is assigned)."""

    case_id: str
    reference: str
    correlation_id: str
    workflow: str
    owner: str | None = None

    @classmethod
    def of(cls, case: TaskCase) -> CaseRef:
        return cls(case.case_id, case.reference, case.correlation_id, case.workflow, case.owner)


def create_tasks_for_case(
    tx: Transaction,
    event: Envelope,
    calendar_nation: str,
    council_nation: str | None = None,
) -> list[Task]:
    """Instantiate the opening tasks of the workflow's framework edition in force for the case's
    nation on the day it opened: independent tasks active now, dependent ones pending with no
    activation time until their predecessors get there. The case is remembered, so that its
    duty tasks can start when a duty begins (``duties``)."""
    data = load_event_data(event, schemas.CaseOpenedData())
    if repository.task_case(tx.session, data["case_id"]) is not None:
        return []
    working = working_calendar(tx, calendar_nation)
    nation = _nation(data["nation"] or council_nation)
    now = utcnow()
    known = TaskCase(
        case_id=data["case_id"],
        reference=data["reference"],
        correlation_id=event.correlation_id,
        workflow=data["workflow"],
        nation=nation,
        team=data["team"],
        opened_on=london_date(data["opened_at"] or now),
        created_at=now,
    )
    tx.session.add(known)
    framework = repository.framework_in_force(tx.session, known.workflow, nation, known.opened_on)
    if framework is None:
        log.info(
            "no %s task framework in force for %s on %s", known.workflow, nation, known.opened_on
        )
    case = CaseRef.of(known)
    created = [
        instantiate_task(tx, case, raw, position, now, working, event.id)
        for position, raw in enumerate(framework.tasks if framework else [])
    ]
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


def follow_workflow_change(tx: Transaction, event: Envelope, calendar_nation: str) -> list[Task]:
    """The enquiry moved to another workflow: the old framework's unfinished opening tasks are
    cancelled (ad-hoc tasks stay, and so do a running duty's tasks: the duty has not changed)
    and the new workflow's opening tasks are instantiated from its edition in force today. A
    change that overtakes case.opened waits for it (``NotYet``)."""
    data = load_event_data(event, schemas.WorkflowChangedData())
    known = repository.task_case_of_correlation(tx.session, event.correlation_id)
    if known is None:
        raise NotYet(f"case.opened for enquiry {data['enquiry_id']}")
    if known.workflow == data["workflow"]:
        return []
    working = working_calendar(tx, calendar_nation)
    now = utcnow()
    tasks = repository.tasks_of_correlation(tx.session, event.correlation_id)
    reason = f"workflow changed to {data['workflow']}"
    known.workflow = data["workflow"]
    for task in tasks:
        task.workflow = data["workflow"]
        opening = task.kind == "framework" and task.duty is None
        if opening and task.status in UNFINISHED:
            cancel_for(tx, task, now, reason)
    framework = repository.framework_in_force(
        tx.session, data["workflow"], known.nation, london_date(now)
    )
    offset = repository.next_position(tx.session, known.case_id)
    # The new framework's keys (and its links) get the workflow as a suffix, so they never
    # resolve to the cancelled tasks of the old one.
    suffix = f"@{data['workflow']}"
    case = CaseRef.of(known)
    created = []
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


def follow_case_assigned(tx: Transaction, event: Envelope) -> list[Task]:
    """The case has a new owner: remembered for the tasks it starts from now on, and taken by
    each of its unfinished tasks that still follows the case owner (``task.reassigned``, by
    the service). An officer's own choice of owner for a task stands. An assignment published
    before the one recorded changes nothing (events of different types may arrive out of
    order); one that overtakes case.opened waits for it (``NotYet``)."""
    data = load_event_data(event, schemas.CaseAssignedData())
    case = known_case(tx, data["case_id"])
    published = parse_iso(event.time)
    if case.owner_event_at is not None and published <= case.owner_event_at:
        log.info("case %s: assignment %s is older than the owner recorded", case.case_id, event.id)
        return []
    case.owner, case.owner_event_at = data["owner"], published
    return [
        task
        for task in repository.tasks_following_case_owner(tx.session, case.case_id)
        if task.follow_case_owner(case.owner, SYSTEM, event.id)
    ]


def known_case(tx: Transaction, case_id: str) -> TaskCase:
    """The case, locked (its events are applied one at a time); ``NotYet`` until case.opened
    has been."""
    case = repository.task_case(tx.session, case_id, lock=True)
    if case is None:
        raise NotYet(f"case.opened for case {case_id}")
    return case


def cancel_for(tx: Transaction, task: Task, now: datetime, reason: str) -> Task:
    """The service cancels a task on its own (a workflow change, a duty ending)."""
    task.cancel(now, reason, SYSTEM)
    return task


def new_task(
    case: CaseRef,
    definition: dict[str, Any],
    position: int,
    now: datetime,
    kind: str = "framework",
    plan: DutyPlan | None = None,
) -> Task:
    """A pending task on the case, as its definition describes it."""
    template = TaskTemplate.parse(definition)
    return Task(
        id=str(uuid.uuid4()),
        case_id=case.case_id,
        case_reference=case.reference,
        correlation_id=case.correlation_id,
        workflow=case.workflow,
        template_key=template.key,
        position=position,
        kind=kind,
        mandatory=template.mandatory,
        definition=definition,
        name=template.name,
        owner=domain.initial_owner(template.owner, case.owner),
        follows_case_owner=domain.follows_case_owner(template.owner),
        status=PENDING,
        customer_facing=template.customer_facing,
        revision=1,
        created_at=now,
        duty=plan.duty if plan else None,
        duty_plan_id=plan.id if plan else None,
    )


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
    task = new_task(case, definition, position, now, plan=plan)
    if anchor is not None and anchor > now:
        task.activate_at = anchor
    elif not task.definition.get("depends_on"):
        active_from = anchor or now
        task.make_active(active_from, _deadlines(task, active_from, working))
    tx.session.add(task)
    task.announce_created(SYSTEM, causation_id)
    return task


# --- Scheduling: activation and alerts ------------------------------------------------------


def scan_tasks(tx: Transaction, calendar_nation: str) -> tuple[int, int]:
    """The scheduler's round: activate due tasks, then raise due warnings, overdue and
    escalation alerts. Returns how many of each."""
    now = utcnow()
    activated = activate_due_tasks(tx, now, working_calendar(tx, calendar_nation))
    return activated, raise_task_alerts(tx, now)


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
        task.note_scheduled(SYSTEM)
        if when <= now:
            activate(tx, task.id, now, working)


def activate(tx: Transaction, task_id: str, now: datetime, working: WorkingCalendar) -> bool:
    """Activate one pending task, if no one else has (``repository.claim_activation``)."""
    if not repository.claim_activation(tx.session, task_id, now):
        return False
    task = repository.get_task(tx.session, task_id)
    tx.session.refresh(task)
    _announce_activation(tx, task, now, working)
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
        _announce_activation(tx, task, now, working)
    tx.session.flush()
    # Start-to-start successors of the tasks just activated may now be scheduled.
    for case_id in repository.cases_waiting_for_schedule(tx.session, {t.case_id for t in claimed}):
        schedule_dependents(tx, case_id, now, working)
    return len(claimed)


def _announce_activation(
    tx: Transaction, task: Task, now: datetime, working: WorkingCalendar
) -> None:
    # From when it was due to start, not when the scan came round: a task anchored to a duty's
    # dates keeps them after downtime.
    task.set_deadlines(_deadlines(task, task.activate_at or now, working))
    task.announce_activation(SYSTEM)


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
            task.announce_alert(event_type, when, SYSTEM)
            raised += 1
    return raised


def set_deadlines(task: Task, active_from: datetime, working: WorkingCalendar) -> None:
    task.set_deadlines(_deadlines(task, active_from, working))


def _deadlines(task: Task, active_from: datetime, working: WorkingCalendar) -> domain.Deadlines:
    return domain.deadlines(TaskTemplate.parse(task.definition), active_from, working)


# --- Auditing what is not a task: duty plans and the calendar ------------------------------


class AuditScope(Protocol):
    """What an audit entry is filed under: a task, a case, or the calendar."""

    case_id: str | None
    correlation_id: str


@dataclass(frozen=True)
class _Scope:
    case_id: str | None
    correlation_id: str


# Calendar changes belong to no case.
CALENDAR = _Scope(None, "calendar")


def audit(
    tx: Transaction,
    action: str,
    entity: tuple[str, str],
    scope: AuditScope,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    causation_id: str | None = None,
) -> None:
    """The one way this service writes an audit entry: ``entity`` is (type, id)."""
    entity_type, entity_id = entity
    tx.audit(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        case_id=scope.case_id,
        correlation_id=scope.correlation_id,
        causation_id=causation_id,
        before=before,
        after=after,
    )
