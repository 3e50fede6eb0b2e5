"""Events the tasks service publishes (exchange ``tasks.events``). See docs/events.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.clock import isoformat
from shared.envelope import Envelope

if TYPE_CHECKING:
    from services.tasks.models import Task

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
# All of a case's opening tasks at once (see ``plan_created``).
TASK_PLAN_CREATED = "task.plan_created"

# The version each event type is published at. Raise one when its data changes shape (and give
# its subscribers an upcaster for the older one); the others keep theirs.
TASK_CREATED_VERSION = 1
TASK_ACTIVATED_VERSION = 1
TASK_COMPLETED_VERSION = 1
TASK_STARTED_VERSION = 1
TASK_ON_HOLD_VERSION = 1
TASK_RELEASED_VERSION = 1
TASK_REASSIGNED_VERSION = 1
TASK_CANCELLED_VERSION = 1
TASK_WARNING_VERSION = 1
TASK_OVERDUE_VERSION = 1
TASK_ESCALATED_VERSION = 1
TASK_RESCHEDULED_VERSION = 1
TASK_PLAN_CREATED_VERSION = 1

# The events that carry one task (``{"task": summary}``), with their versions: what ``task_event``
# builds, and what a subscriber to every task event subscribes to.
TASK_EVENT_VERSIONS: dict[str, int] = {
    TASK_CREATED: TASK_CREATED_VERSION,
    TASK_ACTIVATED: TASK_ACTIVATED_VERSION,
    TASK_COMPLETED: TASK_COMPLETED_VERSION,
    TASK_STARTED: TASK_STARTED_VERSION,
    TASK_ON_HOLD: TASK_ON_HOLD_VERSION,
    TASK_RELEASED: TASK_RELEASED_VERSION,
    TASK_REASSIGNED: TASK_REASSIGNED_VERSION,
    TASK_CANCELLED: TASK_CANCELLED_VERSION,
    TASK_WARNING: TASK_WARNING_VERSION,
    TASK_OVERDUE: TASK_OVERDUE_VERSION,
    TASK_ESCALATED: TASK_ESCALATED_VERSION,
    TASK_RESCHEDULED: TASK_RESCHEDULED_VERSION,
}


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
    """One of ``TASK_EVENT_VERSIONS``: the task as it is now."""
    return Envelope(
        type=event_type,
        version=TASK_EVENT_VERSIONS[event_type],
        source=SOURCE,
        correlation_id=task.correlation_id,
        causation_id=causation_id,
        data={"task": task_summary(task)},
    )


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
        version=TASK_PLAN_CREATED_VERSION,
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
