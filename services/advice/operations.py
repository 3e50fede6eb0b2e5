"""Use cases of the advice service. No nameko."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from services.advice import domain, events, repository, schemas
from services.advice.models import MatchResult
from shared.clock import london_today, utcnow
from shared.envelope import Envelope, load_event_data
from shared.errors import NotFound, ValidationFailed
from shared.unit_of_work import Transaction


def match(session: Session, workflow_key: str, answers: dict[str, Any], today: date) -> list[dict]:
    workflow = repository.get_workflow(session, workflow_key)
    if workflow is None:
        raise ValidationFailed({"workflow": [f"unknown workflow {workflow_key!r}"]})
    chosen = domain.match_statements(
        [repository.to_domain(s) for s in repository.current_statements(session)],
        repository.workflow_to_domain(workflow),
        answers,
        today,
    )
    return schemas.MatchedStatementSchema(many=True).dump(chosen)


def pack_outline(session: Session, workflow_key: str) -> tuple[str, list[dict[str, str]]]:
    """The workflow's title and its sections, in pack order."""
    workflow = repository.get_workflow(session, workflow_key)
    if workflow is None:
        raise NotFound("workflow", workflow_key)
    titles = repository.section_titles(session)
    return workflow.title, [{"key": key, "title": titles[key]} for key in workflow.sections]


def match_submitted_enquiry(tx: Transaction, event: Envelope) -> MatchResult:
    """Match once per enquiry and announce the ordered statements with their versions."""
    data = load_event_data(event, schemas.EnquirySubmittedData())
    existing = repository.match_for(tx.session, data["enquiry_id"])
    if existing is not None:
        return existing
    result = MatchResult(
        enquiry_id=data["enquiry_id"],
        workflow=data["workflow"],
        statements=match(tx.session, data["workflow"], data["answers"], london_today()),
        matched_at=utcnow(),
    )
    tx.session.add(result)
    tx.session.flush()
    title, sections = pack_outline(tx.session, result.workflow)
    tx.emit(events.advice_matched(result, title, sections, event.correlation_id, event.id))
    tx.audit(
        actor="system:advice",
        action="advice.matched",
        entity_type="advice_match",
        entity_id=str(result.id),
        correlation_id=event.correlation_id,
        causation_id=event.id,
        after={
            "workflow": result.workflow,
            "statements": [f"{s['key']}@{s['version']}" for s in result.statements],
        },
    )
    return result
