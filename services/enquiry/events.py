"""Events the enquiry service publishes (exchange ``enquiry.events``). See docs/events.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.clock import isoformat
from shared.contracts import ENQUIRY_SUBMITTED, ENQUIRY_SUBMITTED_VERSION
from shared.envelope import Envelope

if TYPE_CHECKING:
    from services.enquiry.models import Enquiry

SOURCE = "enquiry"
# Each event type has its own version (enquiry.submitted's, shared by its consumers, lives in
# shared.contracts with its upcaster); a change a consumer must know about bumps it.
ENQUIRY_STARTED = "enquiry.started"
ENQUIRY_STARTED_VERSION = 1
WORKFLOW_CHANGED = "enquiry.workflow_changed"
WORKFLOW_CHANGED_VERSION = 1


def _about(enquiry: Enquiry, event_type: str, version: int, data: dict[str, Any]) -> Envelope:
    return Envelope(
        type=event_type,
        version=version,
        source=SOURCE,
        correlation_id=enquiry.correlation_id,
        data={"enquiry_id": enquiry.id, **data},
    )


def _template(enquiry: Enquiry) -> dict[str, Any]:
    return {"key": enquiry.template_key, "version": enquiry.template_version}


def enquiry_submitted(enquiry: Enquiry, roles: dict[str, Any], derived: dict[str, Any]) -> Envelope:
    """Version 2: version 1's fields, plus the template's ``nation``, its ``roles`` resolved to
    the answers, the ``suggested_duty``, the ``notice_check`` and the facts ``derived`` from it."""
    data = {
        "template": _template(enquiry),
        "workflow": enquiry.workflow,
        "workflow_source": enquiry.workflow_source,
        "answers": enquiry.answers,
        "submitted_at": isoformat(enquiry.submitted_at),
        "nation": enquiry.nation,
        "roles": roles,
        "suggested_duty": enquiry.suggested_duty,
        "notice_check": enquiry.notice_check,
        "derived": derived,
    }
    return _about(enquiry, ENQUIRY_SUBMITTED, ENQUIRY_SUBMITTED_VERSION, data)


def enquiry_started(enquiry: Enquiry) -> Envelope:
    """No answers: a draft is the customer's until they submit it."""
    data = {
        "template": _template(enquiry),
        "prefilled_from": enquiry.prefilled_from,
        "started_at": isoformat(enquiry.created_at),
    }
    return _about(enquiry, ENQUIRY_STARTED, ENQUIRY_STARTED_VERSION, data)


def workflow_changed(enquiry: Enquiry, previous: str | None, actor: str) -> Envelope:
    data = {
        "previous_workflow": previous,
        "workflow": enquiry.workflow,
        "reason": enquiry.workflow_reason,
        "changed_by": actor,
        "changed_at": isoformat(enquiry.updated_at),
    }
    return _about(enquiry, WORKFLOW_CHANGED, WORKFLOW_CHANGED_VERSION, data)
