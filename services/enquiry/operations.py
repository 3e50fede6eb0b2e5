"""Use cases of the enquiry service: repository + domain + the events they cause. No nameko."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.enquiry import domain, events, repository
from services.enquiry.models import Enquiry, QuestionTemplate
from shared.clock import london_today, utcnow
from shared.envelope import new_correlation_id
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.unit_of_work import Transaction

DRAFT, SUBMITTED = "draft", "submitted"


# --- templates -----------------------------------------------------------------------------------


def publish_template(
    tx: Transaction, definition: Any, actor: str, council_nation: str
) -> QuestionTemplate:
    """Publish the next version of a template. Versions already published never change, so
    enquiries made on them keep meaning what they meant. A new version declares its nation
    (the council's), its effective dates and the roles its questions play."""
    problems = domain.check_template(definition, council_nation)
    if problems:
        raise ValidationFailed(
            {f"definition.{key}": messages for key, messages in problems.items()}
        )
    next_version = repository.latest_version(tx.session, definition["key"]) + 1
    given = definition.get("version")
    if given is not None and given != next_version:
        raise ValidationFailed(
            {"definition.version": [f"the next version of {definition['key']} is {next_version}"]}
        )
    try:
        with tx.session.begin_nested():
            template = repository.add_template(
                tx.session, {**definition, "version": next_version}, actor
            )
    except IntegrityError:
        raise Conflict(
            f"version {next_version} of {definition['key']} was published at the same moment: "
            "fetch the template and try again"
        ) from None
    tx.audit(
        actor=actor,
        action="template.published",
        entity_type="question_template",
        entity_id=f"{template.key}@{template.version}",
        correlation_id=new_correlation_id(),
        after={"key": template.key, "version": template.version, "title": template.title},
    )
    return template


def load_template_definition(
    session: Session, definition: Any, council_nation: str, allow_legacy: bool = False
) -> str:
    """Load a template file's definition (the seed and the load command): a version already
    published is left alone if identical and refused if different. ``allow_legacy`` is for
    the shipped files only: a version published before templates declared their law."""
    problems = domain.check_template(definition, council_nation, allow_legacy=allow_legacy)
    if problems or not isinstance(definition.get("version"), int):
        raise ValidationFailed(problems or {"version": ["a template file states its version"]})
    existing = repository.get_template(session, definition["key"], definition["version"])
    if existing is None:
        repository.add_template(session, definition, "loader")
        return "published"
    if existing.definition != definition:
        raise Conflict(
            f"{definition['key']} version {definition['version']} is already published with "
            "different content: give the changed form the next version number"
        )
    return "unchanged"


def template_of(session: Session, key: str, version: int | None) -> QuestionTemplate:
    template = repository.get_template(session, key, version)
    if template is None:
        raise NotFound("question template", key if version is None else f"{key}@{version}")
    return template


# --- enquiries -----------------------------------------------------------------------------------


def start_enquiry(tx: Transaction, request: dict[str, Any]) -> Enquiry:
    """A draft the customer can save and come back to; optionally pre-filled from an earlier
    enquiry of the same person."""
    template = template_of(tx.session, request["template_key"], request["template_version"])
    repeated = _earlier_request(tx.session, request["request_id"])
    if repeated is not None:
        if (repeated.template_key, repeated.prefilled_from) != (
            template.key,
            request["prefill_from_enquiry"],
        ):
            raise _request_reused(request["request_id"])
        return repeated
    answers: dict[str, Any] = {}
    source = request["prefill_from_enquiry"]
    if source:
        previous = _enquiry(tx.session, source)
        previous_template = template_of(
            tx.session, previous.template_key, previous.template_version
        )
        answers = domain.prefill_answers(
            template.definition, previous_template.definition, previous.answers
        )
    now = utcnow()
    enquiry = Enquiry(
        id=str(uuid.uuid4()),
        template_key=template.key,
        template_version=template.version,
        status=DRAFT,
        answers=answers,
        correlation_id=new_correlation_id(),
        prefilled_from=source,
        request_id=request["request_id"],
        created_at=now,
        updated_at=now,
    )
    repository.add_enquiry(tx.session, enquiry)
    tx.emit(events.enquiry_started(enquiry))
    _audit(
        tx,
        enquiry,
        request["actor"],
        "enquiry.started",
        None,
        {
            "template": f"{enquiry.template_key}@{enquiry.template_version}",
            "prefilled_from": source,
            "questions_prefilled": len(answers),
        },
    )
    return enquiry


def save_answers(tx: Transaction, request: dict[str, Any]) -> Enquiry:
    """Merge answers into a draft. Every given answer is checked; if any is wrong nothing is
    saved. An empty answer (null or "") removes the earlier one."""
    enquiry = _draft(tx.session, request["enquiry_id"])
    template = template_of(tx.session, enquiry.template_key, enquiry.template_version)
    cleaned, problems = domain.check_draft_answers(
        template.definition, request["answers"], london_today()
    )
    if problems:
        raise ValidationFailed({f"answers.{key}": msgs for key, msgs in problems.items()})
    before = len(enquiry.answers)
    merged = {**enquiry.answers, **cleaned}
    enquiry.answers = {key: value for key, value in merged.items() if value is not None}
    enquiry.updated_at = utcnow()
    _audit(
        tx,
        enquiry,
        request["actor"],
        "enquiry.answers_saved",
        {"questions_answered": before},
        {"questions_answered": len(enquiry.answers), "questions_changed": sorted(cleaned)},
    )
    return enquiry


def submit_enquiry(tx: Transaction, request: dict[str, Any]) -> Enquiry:
    """Submit a draft (``enquiry_id``) or a whole enquiry in one call (``template_key``):
    the answers are validated against the exact template version, every problem reported at
    once; nothing is stored unless all is well."""
    if request["enquiry_id"]:
        enquiry = _enquiry(tx.session, request["enquiry_id"])
        repeated = enquiry.status == SUBMITTED and not request["answers"]
        if repeated and _same_workflow(enquiry, request["workflow"]):
            return enquiry
        enquiry = _draft(tx.session, request["enquiry_id"])
        answers = {**enquiry.answers, **(request["answers"] or {})}
        template = template_of(tx.session, enquiry.template_key, enquiry.template_version)
    else:
        enquiry = None
        answers = request["answers"] or {}
        template = template_of(tx.session, request["template_key"], request["template_version"])
    definition = template.definition
    today = london_today()
    cleaned, problems = domain.validate_answers(definition, answers, today)
    # The notice is checked on whatever answers are valid, so that its problems are reported
    # with the others, all at once.
    assessment, notice_problems = domain.assess(definition, cleaned, today)
    for key, messages in notice_problems.items():
        problems.setdefault(key, messages)
    field_errors: dict[str, Any] = {f"answers.{key}": msgs for key, msgs in problems.items()}
    if request["workflow"] and request["workflow"] not in domain.workflows(definition):
        field_errors["workflow"] = [f"must be one of {sorted(domain.workflows(definition))}"]
    if field_errors:
        raise ValidationFailed(field_errors)

    now = utcnow()
    if enquiry is None:
        repeated = _earlier_request(tx.session, request["request_id"])
        if repeated is not None:
            if (repeated.status, repeated.template_key, repeated.answers) != (
                SUBMITTED,
                template.key,
                cleaned,
            ) or not _same_workflow(repeated, request["workflow"]):
                raise _request_reused(request["request_id"])
            return repeated
        enquiry = Enquiry(
            id=str(uuid.uuid4()),
            template_key=template.key,
            template_version=template.version,
            status=SUBMITTED,
            answers=cleaned,
            correlation_id=new_correlation_id(),
            request_id=request["request_id"],
            created_at=now,
        )
        repository.add_enquiry(tx.session, enquiry)
    assert assessment is not None  # no problems, so the notice was checked
    officer_choice = request["workflow"]
    enquiry.status = SUBMITTED
    enquiry.answers = cleaned
    enquiry.workflow = officer_choice or assessment.workflow
    enquiry.workflow_source = "officer" if officer_choice else "triage"
    enquiry.workflow_reason = request["workflow_reason"] if officer_choice else None
    enquiry.nation = assessment.nation
    enquiry.suggested_duty = assessment.suggested_duty
    check = assessment.notice_check
    enquiry.notice_check = None if check is None else check.to_dict()
    enquiry.updated_at = enquiry.submitted_at = now
    tx.session.flush()
    tx.emit(events.enquiry_submitted(enquiry, assessment.roles, assessment.derived))
    _audit(
        tx,
        enquiry,
        request["actor"],
        "enquiry.submitted",
        None,
        {
            "template": f"{enquiry.template_key}@{enquiry.template_version}",
            "workflow": enquiry.workflow,
            "workflow_source": enquiry.workflow_source,
            "suggested_duty": enquiry.suggested_duty,
            "notice_verdict": None if check is None else check.verdict,
            "questions_answered": len(cleaned),
        },
    )
    return enquiry


def change_workflow(tx: Transaction, request: dict[str, Any]) -> Enquiry:
    """An officer moves a submitted enquiry to another workflow, with a reason."""
    enquiry = _enquiry(tx.session, request["enquiry_id"])
    if enquiry.status != SUBMITTED:
        raise Conflict(f"enquiry {enquiry.id} is a draft: choose the workflow when submitting")
    template = template_of(tx.session, enquiry.template_key, enquiry.template_version)
    allowed = domain.workflows(template.definition)
    if request["workflow"] not in allowed:
        raise ValidationFailed({"workflow": [f"must be one of {sorted(allowed)}"]})
    if request["workflow"] == enquiry.workflow:
        raise Conflict(f"enquiry {enquiry.id} is already on workflow {enquiry.workflow}")
    previous = enquiry.workflow
    enquiry.workflow, enquiry.workflow_source = request["workflow"], "officer"
    enquiry.workflow_reason, enquiry.updated_at = request["reason"], utcnow()
    tx.session.flush()
    tx.emit(events.workflow_changed(enquiry, previous, request["actor"]))
    _audit(
        tx,
        enquiry,
        request["actor"],
        "enquiry.workflow_changed",
        {"workflow": previous},
        {"workflow": enquiry.workflow, "reason": request["reason"]},
    )
    return enquiry


def enquiry_view(session: Session, enquiry_id: str) -> tuple[Enquiry, dict[str, list[str]]]:
    enquiry = _enquiry(session, enquiry_id)
    template = template_of(session, enquiry.template_key, enquiry.template_version)
    return enquiry, domain.progress(template.definition, enquiry.answers, london_today())


def _enquiry(session: Session, enquiry_id: str) -> Enquiry:
    enquiry = repository.get_enquiry(session, enquiry_id)
    if enquiry is None:
        raise NotFound("enquiry", enquiry_id)
    return enquiry


def _earlier_request(session: Session, request_id: str | None) -> Enquiry | None:
    return None if request_id is None else repository.enquiry_for_request(session, request_id)


def _request_reused(request_id: str) -> Conflict:
    return Conflict(f"request_id {request_id!r} was already used for a different enquiry")


def _same_workflow(enquiry: Enquiry, officer_choice: str | None) -> bool:
    """Whether a submission sent again (a retry after a lost reply) asks for nothing new, so it
    answers with the enquiry as submitted and announces nothing twice."""
    return officer_choice in (None, enquiry.workflow)


def _draft(session: Session, enquiry_id: str) -> Enquiry:
    enquiry = _enquiry(session, enquiry_id)
    if enquiry.status != DRAFT:
        raise Conflict(f"enquiry {enquiry_id} was submitted and can no longer be changed")
    return enquiry


def _audit(
    tx: Transaction,
    enquiry: Enquiry,
    actor: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    tx.audit(
        actor=actor,
        action=action,
        entity_type="enquiry",
        entity_id=enquiry.id,
        correlation_id=enquiry.correlation_id,
        before=before,
        after=after,
    )
