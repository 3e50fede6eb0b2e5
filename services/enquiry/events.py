"""Events the enquiry service publishes (exchange ``enquiry.events``). See docs/events.md."""

from __future__ import annotations

from typing import Any

from services.enquiry.models import Enquiry
from shared.clock import isoformat
from shared.contracts import ENQUIRY_SUBMITTED, ENQUIRY_SUBMITTED_VERSION
from shared.envelope import Envelope

SOURCE = "enquiry"


def enquiry_submitted(enquiry: Enquiry, roles: dict[str, Any], derived: dict[str, Any]) -> Envelope:
    """Version 2: version 1's fields, plus the template's ``nation``, its ``roles`` resolved to
    the answers, the ``suggested_duty``, the ``notice_check`` and the facts ``derived`` from it."""
    return Envelope(
        type=ENQUIRY_SUBMITTED,
        version=ENQUIRY_SUBMITTED_VERSION,
        source=SOURCE,
        correlation_id=enquiry.correlation_id,
        data={
            "enquiry_id": enquiry.id,
            "template": {"key": enquiry.template_key, "version": enquiry.template_version},
            "workflow": enquiry.workflow,
            "workflow_source": enquiry.workflow_source,
            "answers": enquiry.answers,
            "submitted_at": isoformat(enquiry.submitted_at),
            "nation": enquiry.nation,
            "roles": roles,
            "suggested_duty": enquiry.suggested_duty,
            "notice_check": enquiry.notice_check,
            "derived": derived,
        },
    )


ENQUIRY_STARTED = "enquiry.started"
WORKFLOW_CHANGED = "enquiry.workflow_changed"


def enquiry_started(enquiry: Enquiry) -> Envelope:
    """No answers: a draft is the customer's until they submit it."""
    return Envelope(
        type=ENQUIRY_STARTED,
        version=1,
        source=SOURCE,
        correlation_id=enquiry.correlation_id,
        data={
            "enquiry_id": enquiry.id,
            "template": {"key": enquiry.template_key, "version": enquiry.template_version},
            "prefilled_from": enquiry.prefilled_from,
            "started_at": isoformat(enquiry.created_at),
        },
    )


def workflow_changed(enquiry: Enquiry, previous: str, actor: str) -> Envelope:
    return Envelope(
        type=WORKFLOW_CHANGED,
        version=1,
        source=SOURCE,
        correlation_id=enquiry.correlation_id,
        data={
            "enquiry_id": enquiry.id,
            "previous_workflow": previous,
            "workflow": enquiry.workflow,
            "reason": enquiry.workflow_reason,
            "changed_by": actor,
            "changed_at": isoformat(enquiry.updated_at),
        },
    )
