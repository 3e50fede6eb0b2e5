"""Use cases of the cases service. No nameko."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from services.cases import (
    audit_chain,
    case_work,
    decisions,
    domain,
    duties,
    events,
    lifecycle,
    repository,
    schemas,
)
from services.cases.models import Case, CaseAdvice, CaseDocument
from shared import law
from shared.clock import isoformat, london_today, utcnow
from shared.envelope import Envelope, load_event_data, new_correlation_id
from shared.errors import NotFound, NotYet, ValidationFailed
from shared.unit_of_work import Transaction

log = logging.getLogger(__name__)

# The team every case opens in until routing by workflow exists (config CASE_TEAM).
DEFAULT_TEAM = "housing-options"


def open_case_for_enquiry(tx: Transaction, event: Envelope, team: str = DEFAULT_TEAM) -> Case:
    """One case per enquiry, whatever the number of deliveries; it belongs to ``team``."""
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
        applicant_postcode=domain.postcode_key(data["roles"].get("applicant_postcode")),
        nation=data["nation"],
        suggested_duty=data["suggested_duty"],
        notice_check=data["notice_check"],
        **domain.referral(data["roles"]),
        opened_at=now,
        team=team,
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
    """The case view for someone reading it (a customer's own view for a customer): every read
    is on the audit trail, with the reader."""
    case = case_work.find(tx, reference)
    tx.audit(
        actor=actor or (tx.caller.actor if tx.caller else "unknown"),
        action="case.viewed",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        correlation_id=case.correlation_id,
    )
    return _view(tx.session, case, customer=_customer_only(tx))


def find_cases(tx: Transaction, filters: dict[str, Any]) -> dict[str, Any]:
    """``list_cases``: a page of case summaries, newest first. An officer sees their own team's
    cases only; the search is audited with what was asked for (the filters' names, never a
    name searched for) and which cases it showed."""
    caller = tx.caller
    if caller is not None and caller.team_scope is not None:
        filters = {**filters, "team": caller.team_scope}
    found = repository.search_cases(tx.session, filters)
    tx.audit_read(
        "cases.searched",
        entity_type="case_search",
        entity_id=new_correlation_id(),
        correlation_id=new_correlation_id(),
        after={
            "filters": sorted(k for k, v in filters.items() if v and k not in _PAGING),
            "page": filters["page"],
            "cases": [case.reference for case in found["items"]],
        },
    )
    return {**found, "items": schemas.CaseSchema(many=True).dump(found["items"])}


_PAGING = ("page", "page_size")


def case_view_for_enquiry(tx: Transaction, enquiry_id: str) -> dict[str, Any]:
    case = repository.case_for_enquiry(tx.session, enquiry_id)
    if case is None:
        raise NotFound("case for enquiry", enquiry_id)
    case_work.check_access(tx, case)
    _audit_case_read(tx, case, "case.viewed")
    return _view(tx.session, case, customer=_customer_only(tx))


def _customer_only(tx: Transaction) -> bool:
    return tx.caller is not None and tx.caller.is_customer_only


def _audit_case_read(tx: Transaction, case: Case, action: str) -> None:
    tx.audit_read(
        action,
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        correlation_id=case.correlation_id,
    )


def _view(session: Session, case: Case, customer: bool = False) -> dict[str, Any]:
    today = london_today()
    clocks = [case_work.clock_view(c, today) for c in repository.clocks_of(session, case.id)]
    documents = schemas.DocumentSummarySchema(many=True).dump(
        repository.documents_for(session, case.id)
    )
    tasks = schemas.TaskSummarySchema(many=True).dump(repository.tasks_for(session, case.id))
    if customer:
        return _customer_view(case, clocks, tasks, documents)
    advice = repository.advice_for(session, case.enquiry_id)
    return {
        **schemas.CaseSchema().dump(case),
        "clocks": clocks,
        "decisions": [
            decisions.decision_view(d) for d in repository.decisions_of(session, case.id)
        ],
        "notice_check": case.notice_check,
        "ending_grounds": duties.ending_grounds_view(case.stage),
        "notes": schemas.NoteSchema(many=True).dump(repository.notes_of(session, case.id)),
        "advice": schemas.AdviceSummarySchema().dump(advice) if advice else None,
        "tasks": tasks,
        "documents": documents,
    }


# What the customer sees of their own case: where it stands, their dates, what they must do and
# their documents. Not the officers' notes, the owner, the team, findings or triage's suggestion.
CUSTOMER_FIELDS = ("id", "reference", "status", "stage", "workflow", "opened_at", "outcome")
CUSTOMER_CLOCK_FIELDS = ("kind", "starts_on", "due_on", "day_after", "ending", "citation", "state")


def _customer_view(
    case: Case, clocks: list[dict], tasks: list[dict], documents: list[dict]
) -> dict[str, Any]:
    summary = schemas.CaseSchema().dump(case)
    return {
        **{field: summary.get(field) for field in CUSTOMER_FIELDS},
        "clocks": [{f: clock.get(f) for f in CUSTOMER_CLOCK_FIELDS} for clock in clocks],
        "tasks": [task for task in tasks if task.get("customer_facing")],
        "documents": documents,
    }


def case_timeline(tx: Transaction, reference: str) -> list[dict[str, Any]]:
    """The case's audit entries in chain order (``repository.timeline``), for someone the case
    is open to (``case_work.find``); reading the trail is on it too (after the entries read,
    so the answer is what was there)."""
    case = case_work.find(tx, reference)
    entries = schemas.AuditEntrySchema(many=True).dump(repository.timeline(tx.session, case))
    _audit_case_read(tx, case, "case.timeline_viewed")
    return entries


def case_timeline_page(tx: Transaction, reference: str, page: int, size: int) -> dict[str, Any]:
    """One page of the case's audit entries, newest first (``{items, total, page,
    page_size}``); reading it is audited like the whole timeline."""
    case = case_work.find(tx, reference)
    found = repository.timeline_page(tx.session, case, page, size)
    entries = schemas.AuditEntrySchema(many=True).dump(found["items"])
    _audit_case_read(tx, case, "case.timeline_viewed")
    return {**found, "items": entries}


def verify_timeline(
    session: Session, reference: str, keys: audit_chain.AuditKeys | None = None
) -> dict[str, Any]:
    """Recompute the case's hash chain and hold it against every record of where it ends: the
    chain head row, the case row's copy and, with audit keys configured, the latest signed
    head. Any edit, deletion (the last entries too), reordering or insertion is reported.

    ``keys``: the public keys signed heads are checked with; by default AUDIT_SIGNING_KEY and
    AUDIT_VERIFY_KEYS from the environment (the cases config.yaml reads the same variables).
    Without any, ``signed_head`` is None and ``signing`` says ``not_configured``."""
    case = repository.find_case(session, reference)
    if case is None:
        raise NotFound("case", reference)
    if keys is None:
        keys = audit_chain.AuditKeys.from_environment()
    return _chain_report(session, case, keys)


def _chain_report(session: Session, case: Case, keys: audit_chain.AuditKeys) -> dict[str, Any]:
    records = repository.chain_of(session, case)
    head = (
        audit_chain.Head.of(records.head.last_sequence, records.head.last_hash)
        if records.head is not None
        else None
    )
    signed, signed_view, signing = None, None, "not_configured"
    if keys.configured:
        signing = "not_signed_yet"
        if records.signed_head is not None:
            row = records.signed_head
            stored = audit_chain.Head(row.sequence, row.hash)
            statement = audit_chain.head_statement(
                case.id, case.correlation_id, stored, row.signed_at
            )
            valid = keys.check(row.key_id, statement, row.signature)
            signed = audit_chain.SignedHead(row.sequence, row.hash, signature_valid=valid)
            signing = "checked"
            signed_view = {
                "sequence": row.sequence,
                "hash": row.hash,
                "signed_at": isoformat(row.signed_at),
                "key_id": row.key_id,
                "signature_valid": valid,
            }
    verdict = audit_chain.verify(
        (
            {name: getattr(e, name) for name in (*audit_chain.CHAINED_FIELDS, "prev_hash", "hash")}
            for e in records.entries
        ),
        head,
        records.case_head,
        signed,
        records.off_chain,
    )
    return {
        "case_id": case.id,
        "reference": case.reference,
        "valid": verdict.valid,
        "entries": verdict.entries,
        "first_invalid_sequence": verdict.first_invalid_sequence,
        "problem": verdict.problem,
        "problems": list(verdict.problems),
        "head": vars(head) if head is not None else None,
        "case_head": vars(records.case_head),
        "signed_head": signed_view,
        "signing": signing,
    }


# How often the cases service signs the audit chain heads that moved (service.sign_chain_heads),
# and how many at most in one run: each is checked in full first, with its case row locked.
AUDIT_HEAD_SIGNING_SECONDS = 60
AUDIT_HEADS_SIGNED_PER_RUN = 100


def sign_chain_heads(
    tx: Transaction, config: Mapping[str, Any], limit: int = AUDIT_HEADS_SIGNED_PER_RUN
) -> int:
    """Sign the head of each case's audit chain that moved since it was last signed, with
    AUDIT_SIGNING_KEY (``config``, else the environment); the number signed. Nothing without a
    key. A chain is signed only if it checks out, including against its previous signed head,
    so a rewound or rewritten chain is never vouched for: it is logged (case id and the
    problem, no personal data) and left as it is. Each head signed is logged as well, a record
    of it outside the database."""
    keys = audit_chain.AuditKeys.from_config(config)
    if keys.signing_key is None:
        return 0
    # Whole seconds: the time is part of what is signed and must read back exactly.
    now, signed = utcnow().replace(microsecond=0), 0
    for case in repository.cases_with_unsigned_heads(tx.session, limit):
        report = _chain_report(tx.session, case, keys)
        if not report["valid"]:
            log.warning(
                "audit chain of case %s not signed, it fails verification: %s",
                case.id,
                report["problem"],
            )
            continue
        head = audit_chain.Head(report["case_head"]["sequence"], report["case_head"]["hash"])
        key_id, signature = keys.sign(
            audit_chain.head_statement(case.id, case.correlation_id, head, now)
        )
        stored = repository.add_signed_head(
            tx.session,
            {
                "case_id": case.id,
                "sequence": head.sequence,
                "hash": head.hash,
                "signed_at": now,
                "key_id": key_id,
                "signature": signature,
            },
        )
        if stored:
            signed += 1
            log.info(
                "audit chain head signed: case %s sequence %s hash %s key %s",
                case.id,
                head.sequence,
                head.hash,
                key_id,
            )
    return signed


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
