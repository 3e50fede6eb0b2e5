"""Use cases of the cases service. No nameko."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from services.cases import (
    audit_chain,
    case_work,
    decisions,
    domain,
    events,
    lifecycle,
    repository,
    schemas,
)
from services.cases.models import Case, CaseAdvice, CaseDocument
from shared import law
from shared.clock import london_today, utcnow
from shared.envelope import Envelope, load_event_data
from shared.errors import NotFound, NotYet, ValidationFailed
from shared.unit_of_work import Transaction


def open_case_for_enquiry(tx: Transaction, event: Envelope) -> Case:
    """One case per enquiry, whatever the number of deliveries."""
    data = load_event_data(event, schemas.EnquirySubmittedData())
    existing = repository.case_for_enquiry(tx.session, data["enquiry_id"])
    if existing is not None:
        return existing
    now = utcnow()
    sequence = repository.next_reference_sequence(tx.session, now.year)
    case = Case(
        id=str(uuid.uuid4()),
        reference=domain.format_reference(now.year, sequence),
        enquiry_id=data["enquiry_id"],
        correlation_id=event.correlation_id,
        workflow=data["workflow"],
        status=domain.OPEN,
        stage=lifecycle.TRIAGE,
        applicant_name=domain.applicant_name(data["roles"].get("applicant_name")),
        nation=data["nation"],
        suggested_duty=data["suggested_duty"],
        notice_check=data["notice_check"],
        **domain.referral(data["roles"]),
        opened_at=now,
    )
    tx.session.add(case)
    tx.session.flush()
    tx.record(
        events.case_opened(case, causation_id=event.id),
        actor="system:cases",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        after={
            "reference": case.reference,
            "workflow": case.workflow,
            "stage": case.stage,
            "nation": case.nation,
            "suggested_duty": case.suggested_duty,
            "notice_check": _notice_summary(case.notice_check),
            "referred_by": case.referred_by,
        },
    )
    return case


def _notice_summary(check: dict | None) -> dict | None:
    """What the audit trail keeps of the notice check: the verdict and the law it was made
    under, not the dates the applicant gave."""
    if not check:
        return None
    return {key: check.get(key) for key in ("pack_key", "notice_type", "ground", "verdict")}


def follow_workflow_change(tx: Transaction, event: Envelope) -> Case | None:
    """The officer re-channelled the enquiry: the case follows. A change that arrives before the
    case exists is applied when the case opens, since the enquiry event carries the workflow
    it had then and this one waits (NotYet) until the case is there."""
    data = load_event_data(event, schemas.WorkflowChangedData())
    case = repository.case_for_enquiry(tx.session, data["enquiry_id"])
    if case is None:
        raise NotYet(f"the case of enquiry {data['enquiry_id']}")
    if case.workflow == data["workflow"]:
        return case
    previous, case.workflow = case.workflow, data["workflow"]
    tx.audit(
        actor=data["changed_by"],
        action="case.workflow_changed",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        correlation_id=case.correlation_id,
        causation_id=event.id,
        before={"workflow": previous},
        after={"workflow": case.workflow, "reason": data["reason"]},
    )
    return case


def record_advice(tx: Transaction, event: Envelope) -> None:
    data = load_event_data(event, schemas.AdviceMatchedData())
    if repository.advice_for(tx.session, data["enquiry_id"]) is None:
        tx.session.add(
            CaseAdvice(
                enquiry_id=data["enquiry_id"],
                workflow=data["workflow"],
                statements=data["statements"],
                matched_at=data["matched_at"],
            )
        )


def record_task(tx: Transaction, event: Envelope) -> None:
    task = load_event_data(event, schemas.TaskEventData())["task"]
    repository.record_task_revision(tx.session, {**task, "updated_at": utcnow()})


def record_document(tx: Transaction, event: Envelope) -> None:
    data = load_event_data(event, schemas.DocumentGeneratedData())
    if tx.session.get(CaseDocument, data["document_id"]) is None:
        tx.session.add(CaseDocument(**data))


def record_audit_event(tx: Transaction, event: Envelope) -> None:
    store_audit_entry(tx.session, event)


def store_audit_entry(session: Session, event: Envelope) -> None:
    """Also the audit sink for this service's own changes, written in the same transaction."""
    data = load_event_data(event, schemas.AuditData())
    repository.append_audit_entry(
        session,
        {
            "event_id": event.id,
            "correlation_id": event.correlation_id,
            "source": event.source,
            "recorded_at": utcnow(),
            **data,
        },
    )


def read_case(tx: Transaction, reference: str, actor: str | None) -> dict[str, Any]:
    """The case view for someone reading it: every read is on the audit trail."""
    view = case_view(tx.session, reference)
    tx.audit(
        actor=actor or "unknown",
        action="case.viewed",
        entity_type="case",
        entity_id=view["id"],
        case_id=view["id"],
        correlation_id=view["correlation_id"],
    )
    return view


def find_cases(session: Session, filters: dict[str, Any]) -> dict[str, Any]:
    """``list_cases``: a page of case summaries, newest first."""
    found = repository.search_cases(session, filters)
    return {**found, "items": schemas.CaseSchema(many=True).dump(found["items"])}


def case_view(session: Session, reference: str) -> dict[str, Any]:
    case = repository.find_case(session, reference)
    if case is None:
        raise NotFound("case", reference)
    return _view(session, case)


def case_view_for_enquiry(session: Session, enquiry_id: str) -> dict[str, Any]:
    case = repository.case_for_enquiry(session, enquiry_id)
    if case is None:
        raise NotFound("case for enquiry", enquiry_id)
    return _view(session, case)


def _view(session: Session, case: Case) -> dict[str, Any]:
    advice = repository.advice_for(session, case.enquiry_id)
    today = london_today()
    return {
        **schemas.CaseSchema().dump(case),
        "clocks": [case_work.clock_view(c, today) for c in repository.clocks_of(session, case.id)],
        "decisions": [
            decisions.decision_view(d) for d in repository.decisions_of(session, case.id)
        ],
        "notice_check": case.notice_check,
        "notes": schemas.NoteSchema(many=True).dump(repository.notes_of(session, case.id)),
        "advice": schemas.AdviceSummarySchema().dump(advice) if advice else None,
        "tasks": schemas.TaskSummarySchema(many=True).dump(repository.tasks_for(session, case.id)),
        "documents": schemas.DocumentSummarySchema(many=True).dump(
            repository.documents_for(session, case.id)
        ),
    }


def case_timeline(session: Session, reference: str) -> list[dict[str, Any]]:
    case = repository.find_case(session, reference)
    if case is None:
        raise NotFound("case", reference)
    return schemas.AuditEntrySchema(many=True).dump(repository.timeline(session, case))


def verify_timeline(session: Session, reference: str) -> dict[str, Any]:
    """Recompute the case's hash chain: any edit, deletion or reordering is reported."""
    case = repository.find_case(session, reference)
    if case is None:
        raise NotFound("case", reference)
    entries, head = repository.chain_of(session, case.correlation_id)
    verdict = audit_chain.verify(
        (
            {name: getattr(e, name) for name in (*audit_chain.CHAINED_FIELDS, "prev_hash", "hash")}
            for e in entries
        ),
        head.last_sequence if head else None,
        head.last_hash if head else None,
    )
    return {"case_id": case.id, "reference": case.reference, **vars(verdict)}


def cases_affected_by_law_change(session: Session, nation: str, on: date) -> dict[str, Any]:
    """Open cases of ``nation`` whose notice was checked under the law that a pack starting on
    ``on`` replaces, for a notice type whose rules that change touches: each needs its advice
    and dates looked at again. No names: references, stages and the notice's type only."""
    try:
        change = law.changes_on(nation, on)
    except law.UnknownNation as unknown:
        raise ValidationFailed({"nation": [str(unknown)]}) from None
    if change is None:
        raise ValidationFailed({"on": [f"no {nation} law pack takes effect on {on.isoformat()}"]})
    affected = []
    for case in repository.open_cases_of_nation(session, nation):
        check = case.notice_check or {}
        if not check or check.get("notice_type") not in change.changed_notice_types:
            continue
        if change.before is not None and check.get("pack_key") != change.before.key:
            continue
        affected.append(
            {
                "reference": case.reference,
                "stage": case.stage,
                "notice_type": check.get("notice_type"),
                "checked_under": check.get("pack_key"),
                "verdict": check.get("verdict"),
            }
        )
    return {
        "nation": nation,
        "on": on.isoformat(),
        "replaces": change.before.key if change.before else None,
        "pack": change.after.key,
        "changed_notice_types": sorted(change.changed_notice_types),
        "cases": affected,
    }
