"""Use cases of the enquiry service: repository + domain + the events they cause. No nameko."""

from __future__ import annotations

import uuid
from typing import Any

from services.enquiry import domain, events, repository
from services.enquiry.models import Enquiry
from shared.clock import london_today, utcnow
from shared.envelope import new_correlation_id
from shared.errors import NotFound, ValidationFailed
from shared.unit_of_work import Transaction


def submit_enquiry(tx: Transaction, request: dict[str, Any]) -> Enquiry:
    """Validate the answers against the exact template version, store, announce."""
    template_row = repository.get_template(
        tx.session, request["template_key"], request["template_version"]
    )
    if template_row is None:
        raise NotFound("question template", request["template_key"])
    template = template_row.definition
    today = london_today()
    answers, problems = domain.validate_answers(template, request["answers"], today)
    field_errors: dict[str, Any] = {f"answers.{key}": msgs for key, msgs in problems.items()}
    if request["workflow"] and request["workflow"] not in domain.workflows(template):
        field_errors["workflow"] = [f"must be one of {sorted(domain.workflows(template))}"]
    if field_errors:
        raise ValidationFailed(field_errors)

    now = utcnow()
    officer_choice = request["workflow"]
    enquiry = Enquiry(
        id=str(uuid.uuid4()),
        template_key=template_row.key,
        template_version=template_row.version,
        status="submitted",
        answers=answers,
        workflow=officer_choice or domain.choose_workflow(template, answers, today),
        workflow_source="officer" if officer_choice else "triage",
        workflow_reason=request["workflow_reason"] if officer_choice else None,
        correlation_id=new_correlation_id(),
        created_at=now,
        submitted_at=now,
    )
    repository.add_enquiry(tx.session, enquiry)
    tx.emit(events.enquiry_submitted(enquiry))
    tx.audit(
        actor=request["actor"],
        action="enquiry.submitted",
        entity_type="enquiry",
        entity_id=enquiry.id,
        correlation_id=enquiry.correlation_id,
        after={
            "template": f"{enquiry.template_key}@{enquiry.template_version}",
            "workflow": enquiry.workflow,
            "workflow_source": enquiry.workflow_source,
            "questions_answered": len(answers),
        },
    )
    return enquiry
