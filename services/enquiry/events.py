"""Events the enquiry service publishes (exchange ``enquiry.events``). See docs/events.md."""

from __future__ import annotations

from services.enquiry.models import Enquiry
from shared.clock import isoformat
from shared.envelope import Envelope

SOURCE = "enquiry"
ENQUIRY_SUBMITTED = "enquiry.submitted"


def enquiry_submitted(enquiry: Enquiry) -> Envelope:
    return Envelope(
        type=ENQUIRY_SUBMITTED,
        version=1,
        source=SOURCE,
        correlation_id=enquiry.correlation_id,
        data={
            "enquiry_id": enquiry.id,
            "template": {"key": enquiry.template_key, "version": enquiry.template_version},
            "workflow": enquiry.workflow,
            "workflow_source": enquiry.workflow_source,
            "answers": enquiry.answers,
            "submitted_at": isoformat(enquiry.submitted_at),
        },
    )
