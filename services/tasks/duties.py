"""Use cases for the duty part of a framework: the tasks a statutory duty starts with, anchored
to the day the duty began (s.189A assessment and written plan, their review, and the decision due
once the 56-day period has run: s.195(8), s.189B), and their end when the duty does. No nameko.

The cases service announces a duty's start in ``case.stage_changed`` (or ``case.reopened``) with
the duty's clock: ``starts_on`` (the day the council was first satisfied, which an officer may
record as earlier than the day the case moved), ``due_on`` (the period's last day) and
``day_after``. Events of different types can arrive out of order, so each case remembers the
publication time of the stage event it last applied, and an older one changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from services.tasks import domain, repository, schemas
from services.tasks.calendar import WorkingCalendar
from services.tasks.domain import DUTIES, PENDING, DutyClock, TaskTemplate
from services.tasks.models import DutyPlan, Task, TaskCase
from services.tasks.operations import (
    ALERTS,
    SYSTEM,
    CaseRef,
    activate,
    audit,
    cancel_for,
    instantiate_task,
    known_case,
    schedule_dependents,
    set_deadlines,
    working_calendar,
)
from shared.clock import parse_iso, utcnow
from shared.envelope import Envelope, load_event_data
from shared.unit_of_work import Transaction

log = logging.getLogger(__name__)


def follow_stage_change(tx: Transaction, event: Envelope, calendar_nation: str) -> list[Task]:
    """Leaving a duty stage ends that duty's tasks; entering one starts them, anchored to the
    clock the event carries for it."""
    data = load_event_data(event, schemas.StageChangedData())
    case = known_case(tx, data["case_id"])
    if not _record_stage(case, data["stage"], event):
        return []
    previous = data["previous_stage"]
    if previous in DUTIES and previous != data["stage"]:
        end_duty_tasks(
            tx, case, previous, f"the case moved from {previous} to {data['stage']}", event
        )
    working = working_calendar(tx, calendar_nation)
    return start_duty_tasks(tx, case, data["stage"], data["clocks"], event, working)


def follow_case_reopened(tx: Transaction, event: Envelope, calendar_nation: str) -> list[Task]:
    """A case reopened into a duty stage enters that duty again: a new set of its tasks."""
    data = load_event_data(event, schemas.CaseReopenedData())
    case = known_case(tx, data["case_id"])
    if not _record_stage(case, data["stage"], event):
        return []
    working = working_calendar(tx, calendar_nation)
    return start_duty_tasks(tx, case, data["stage"], data["clocks"], event, working)


def follow_case_closed(tx: Transaction, event: Envelope) -> list[Task]:
    """Closing a case in a duty stage ends that duty's tasks."""
    data = load_event_data(event, schemas.CaseClosedData())
    case = known_case(tx, data["case_id"])
    if not _record_stage(case, data["stage"], event):
        return []
    previous = data["previous_stage"]
    if previous not in DUTIES:
        return []
    outcome = f" ({data['outcome']})" if data["outcome"] else ""
    return end_duty_tasks(tx, case, previous, f"the case was closed{outcome}", event)


def follow_duty_ended(tx: Transaction, event: Envelope) -> list[Task]:
    """A duty ended while the case stays in its stage (a notice on a ground, or the relief duty
    ending by itself): its tasks no longer apply, except those that outlive it (the main duty
    decision that follows relief, ``outlives_duty``); they end when the case leaves the stage."""
    data = load_event_data(event, schemas.DutyEndedData())
    case = known_case(tx, data["case_id"])
    ground = f" ({data['ground']})" if data["ground"] else ""
    reason = f"the {data['duty']} duty ended{ground}"
    return end_duty_tasks(tx, case, data["duty"], reason, event, leaving_stage=False)


def follow_clock_corrected(tx: Transaction, event: Envelope, calendar_nation: str) -> list[Task]:
    """An officer corrected the day a running duty began: its anchored tasks move with it (a
    task due to start now starts; one already started keeps going with new deadlines, and an
    alert already raised for a moment now later can be raised again)."""
    data = load_event_data(event, schemas.ClockCorrectedData())
    duty = data["clock"]["kind"].removesuffix("_duty")
    if duty not in DUTIES:
        return []
    case = known_case(tx, data["case_id"])
    plan = repository.open_duty_plan(tx.session, case.case_id, duty)
    clock = _duty_clock(duty, [data["clock"]])
    dates = (clock.starts_on, clock.due_on, clock.day_after)
    if plan is None or plan.entered_at > _published(event):
        return []
    if (plan.starts_on, plan.due_on, plan.day_after) == dates:
        return []
    before = {"starts_on": plan.starts_on.isoformat()}
    plan.starts_on, plan.due_on, plan.day_after = dates
    now, moved, working = utcnow(), [], working_calendar(tx, calendar_nation)
    for task in repository.unfinished_tasks_of_plan(tx.session, plan.id):
        anchor = domain.duty_anchor(TaskTemplate.parse(task.definition), clock, working)
        if anchor is None:
            continue  # it follows its predecessors, not the duty's dates
        if task.status == PENDING:
            task.activate_at = anchor
            tx.session.flush()
            if anchor <= now and activate(tx, task.id, now, working):
                continue  # task.activated says it all
        else:
            set_deadlines(task, anchor, working)
            for moment, flag, _ in ALERTS:
                if getattr(task, moment) is not None and getattr(task, moment) > now:
                    setattr(task, flag, None)
        task.reschedule(SYSTEM, before, starts_on=dates[0].isoformat())
        moved.append(task)
    audit(
        tx,
        "duty_tasks.rescheduled",
        ("duty_plan", plan.id),
        case,
        SYSTEM,
        before,
        {"starts_on": plan.starts_on.isoformat(), "moved": len(moved)},
        event.id,
    )
    return moved


def start_duty_tasks(
    tx: Transaction,
    case: TaskCase,
    stage: str,
    clocks: list[dict[str, Any]],
    event: Envelope,
    working: WorkingCalendar,
) -> list[Task]:
    """The duty part of the case's framework edition in force on the day the duty began, each
    task anchored to the duty's dates. Once per stage entry: while this duty's tasks from an
    earlier event are still running, nothing more is started."""
    if stage not in DUTIES:
        return []
    clock = _duty_clock(stage, clocks)
    if clock is None:
        # A nation whose duty clocks the suite does not keep, or an event without them.
        log.info("case %s entered %s without a duty clock: no duty tasks", case.case_id, stage)
        return []
    if repository.open_duty_plan(tx.session, case.case_id, stage) is not None:
        return []
    framework = repository.framework_in_force(
        tx.session, case.workflow, case.nation, clock.starts_on
    )
    plan = DutyPlan(
        id=str(uuid.uuid4()),
        case_id=case.case_id,
        duty=stage,
        entry=repository.duty_entries(tx.session, case.case_id, stage) + 1,
        starts_on=clock.starts_on,
        due_on=clock.due_on,
        day_after=clock.day_after,
        framework_id=framework.id if framework else None,
        framework_version=framework.version if framework else None,
        started_by_event=event.id,
        entered_at=_published(event),
        started_at=utcnow(),
    )
    tx.session.add(plan)
    tx.session.flush()
    created = _instantiate_duty_part(
        tx,
        case,
        plan,
        clock,
        (framework.on_duty if framework else {}).get(stage, []),
        event,
        working,
    )
    audit(
        tx,
        "duty_tasks.started",
        ("duty_plan", plan.id),
        case,
        SYSTEM,
        None,
        {
            "duty": stage,
            "entry": plan.entry,
            "starts_on": plan.starts_on.isoformat(),
            "framework": plan.framework_id,
            "tasks": [task.template_key for task in created],
        },
        event.id,
    )
    return created


def _instantiate_duty_part(
    tx: Transaction,
    case: TaskCase,
    plan: DutyPlan,
    clock: DutyClock,
    definitions: list[dict[str, Any]],
    event: Envelope,
    working: WorkingCalendar,
) -> list[Task]:
    now, created = utcnow(), []
    ref = CaseRef.of(case)
    position = repository.next_position(tx.session, case.case_id)
    for definition in definitions:
        template = TaskTemplate.parse(definition)
        anchor = domain.duty_anchor(template, clock, working)
        if anchor is None and not template.depends_on:
            log.warning(
                "case %s: no %s to anchor %s to", case.case_id, template.anchor, template.key
            )
            continue
        keyed = domain.keyed_for_duty(definition, plan.duty, plan.entry)
        created.append(
            instantiate_task(
                tx, ref, keyed, position, now, working, event.id, plan=plan, anchor=anchor
            )
        )
        position += 1
    tx.session.flush()
    # A successor of a task anchored in the past may be due to start already.
    schedule_dependents(tx, case.case_id, now, working)
    return created


def end_duty_tasks(
    tx: Transaction,
    case: TaskCase,
    duty: str,
    reason: str,
    event: Envelope,
    leaving_stage: bool = True,
) -> list[Task]:
    """Cancel, with the reason, the unfinished tasks of the case's running entry into ``duty``
    (none if the entry began after this event was published: it is about an earlier one). Only
    leaving the stage ends the entry and every task in it; the duty ending within the stage
    leaves the tasks that outlive it."""
    plan = repository.open_duty_plan(tx.session, case.case_id, duty)
    if plan is None or plan.entered_at > _published(event):
        return []
    now = utcnow()
    if leaving_stage:
        plan.ended_at, plan.end_reason = now, reason
    cancelled = []
    for task in repository.unfinished_tasks_of_plan(tx.session, plan.id):
        if not leaving_stage and task.definition.get("outlives_duty"):
            continue
        cancelled.append(cancel_for(tx, task, now, reason))
    audit(
        tx,
        "duty_tasks.ended" if leaving_stage else "duty_tasks.duty_ended",
        ("duty_plan", plan.id),
        case,
        SYSTEM,
        {"duty": duty, "entry": plan.entry},
        {"duty": duty, "entry": plan.entry, "reason": reason, "cancelled": len(cancelled)},
        event.id,
    )
    return cancelled


def _published(event: Envelope) -> datetime:
    return parse_iso(event.time)


def _record_stage(case: TaskCase, stage: str, event: Envelope) -> bool:
    """Remember the stage an event announces, unless a later stage event was applied already."""
    published = _published(event)
    if case.stage_event_at is not None and published <= case.stage_event_at:
        log.info("case %s: stage event %s is older than the stage recorded", case.case_id, event.id)
        return False
    case.stage, case.stage_event_at = stage, published
    return True


def _duty_clock(stage: str, clocks: list[dict[str, Any]]) -> DutyClock | None:
    found = next((c for c in clocks if c["kind"] == f"{stage}_duty"), None)
    if found is None:
        return None
    due_on: date | None = found["due_on"]
    day_after = found["day_after"] or (due_on + timedelta(days=1) if due_on else None)
    return DutyClock(stage, found["starts_on"], due_on, day_after)
