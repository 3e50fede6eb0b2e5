"""Events the tasks service publishes (exchange ``tasks.events``). See docs/events.md."""

from __future__ import annotations

from typing import Any

from services.tasks.models import Task
from shared.clock import isoformat
from shared.envelope import Envelope

SOURCE = "tasks"
TASK_CREATED = "task.created"
TASK_ACTIVATED = "task.activated"
TASK_COMPLETED = "task.completed"
TASK_STARTED = "task.started"
TASK_ON_HOLD = "task.on_hold"
TASK_RELEASED = "task.released"
TASK_REASSIGNED = "task.reassigned"
TASK_CANCELLED = "task.cancelled"
TASK_WARNING = "task.warning"
TASK_OVERDUE = "task.overdue"
TASK_ESCALATED = "task.escalated"
# A duty task's dates moved because the day its duty began was corrected (case.clock_corrected).
TASK_RESCHEDULED = "task.rescheduled"


def task_summary(task: Task) -> dict[str, Any]:
    def iso(moment: Any) -> str | None:
        return isoformat(moment) if moment else None

    return {
        "task_id": task.id,
        "case_id": task.case_id,
        "case_reference": task.case_reference,
        "key": task.template_key,
        "name": task.name,
        "owner": task.owner,
        "status": task.status,
        "customer_facing": task.customer_facing,
        "activate_at": iso(task.activate_at),
        "activated_at": iso(task.activated_at),
        "started_at": iso(task.started_at),
        "due_at": iso(task.due_at),
        "warn_at": iso(task.warn_at),
        "escalate_at": iso(task.escalate_at),
        "held_at": iso(task.held_at),
        "completed_at": iso(task.completed_at),
        "outcome": task.outcome,
        "cancel_reason": task.cancel_reason,
        "kind": task.kind,
        "mandatory": task.mandatory,
        # Added (compatible): the duty whose start created the task, or None.
        "duty": task.duty,
        "revision": task.revision,
    }


def task_event(event_type: str, task: Task, causation_id: str | None = None) -> Envelope:
    return Envelope(
        type=event_type,
        version=1,
        source=SOURCE,
        correlation_id=task.correlation_id,
        causation_id=causation_id,
        data={"task": task_summary(task)},
    )


TASK_PLAN_CREATED = "task.plan_created"


def plan_created(
    case_id: str,
    reference: str,
    workflow: str,
    tasks: list[Task],
    correlation_id: str,
    causation_id: str | None,
) -> Envelope:
    """All of a case's tasks from its framework, in one event (also when the framework is
    empty): what a subscriber needs to know the plan is complete, e.g. the customer's pack."""
    return Envelope(
        type=TASK_PLAN_CREATED,
        version=1,
        source=SOURCE,
        correlation_id=correlation_id,
        causation_id=causation_id,
        data={
            "case_id": case_id,
            "case_reference": reference,
            "workflow": workflow,
            "tasks": [task_summary(task) for task in tasks],
        },
    )
