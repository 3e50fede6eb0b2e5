"""Use cases of the enquiry service: load through the repository, call the enquiry's behaviour
(``domain.EnquiryBehaviour``), emit and audit through the transaction. No nameko."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.enquiry import commands, domain, repository
from services.enquiry.models import Enquiry, QuestionTemplate
from shared.clock import london_today, utcnow
from shared.envelope import new_correlation_id
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.unit_of_work import Transaction, UnitOfWork

Command = TypeVar("Command", commands.StartEnquiry, commands.SubmitEnquiry)


# --- templates -----------------------------------------------------------------------------------


def publish_template(
    tx: Transaction, command: commands.PublishTemplate, council_nation: str
) -> QuestionTemplate:
    """Publish the next version of a template. Versions already published never change, so
    enquiries made on them keep meaning what they meant. A new version declares its nation
    (the council's), its effective dates and the roles its questions play."""
    definition, actor = command.definition, command.actor
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


def once_per_request(
    uow: UnitOfWork, command: Command, use_case: Callable[[Transaction, Command], Enquiry]
) -> Enquiry:
    """Run a use case that creates an enquiry keyed by the caller's ``request_id``. The same
    request arriving twice at once collides on that key: the second finds the first's enquiry."""
    try:
        with uow.transaction() as tx:
            return use_case(tx, command)
    except IntegrityError:
        if not command.request_id:
            raise
        with uow.transaction() as tx:
            return use_case(tx, command)


def start_enquiry(tx: Transaction, command: commands.StartEnquiry) -> Enquiry:
    """A draft the customer can save and come back to; optionally pre-filled from an earlier
    enquiry of the same person."""
    template = template_of(tx.session, command.template_key, command.template_version)
    repeated = _earlier_request(tx, command.request_id)
    if repeated is not None:
        if (repeated.template_key, repeated.prefilled_from) != (
            template.key,
            command.prefill_from_enquiry,
        ):
            raise _request_reused(command.request_id)
        return repeated
    answers: dict[str, Any] = {}
    source = command.prefill_from_enquiry
    if source:
        # Pre-filling copies answers: only from an enquiry the caller may read.
        previous = _enquiry(tx, source)
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
        status=domain.DRAFT,
        answers=answers,
        correlation_id=new_correlation_id(),
        prefilled_from=source,
        request_id=command.request_id,
        created_by=_subject(tx),
        created_at=now,
        updated_at=now,
    )
    repository.add_enquiry(tx.session, enquiry)
    enquiry.announce_started(command.actor, source)
    return enquiry


def save_answers(tx: Transaction, command: commands.SaveAnswers) -> Enquiry:
    """Merge answers into a draft. Every given answer is checked; if any is wrong nothing is
    saved. An empty answer (null or "") removes the earlier one."""
    enquiry = _enquiry(tx, command.enquiry_id)
    enquiry.require("save_answers")
    template = template_of(tx.session, enquiry.template_key, enquiry.template_version)
    cleaned, problems = domain.check_draft_answers(
        template.definition, command.answers, london_today()
    )
    if problems:
        raise ValidationFailed({f"answers.{key}": msgs for key, msgs in problems.items()})
    enquiry.save_answers(cleaned, utcnow(), command.actor)
    return enquiry


def submit_enquiry(tx: Transaction, command: commands.SubmitEnquiry) -> Enquiry:
    """Submit a draft (``enquiry_id``) or a whole enquiry in one call (``template_key``):
    the answers are validated against the exact template version, every problem reported at
    once; nothing is stored unless all is well."""
    if command.enquiry_id:
        enquiry = _enquiry(tx, command.enquiry_id)
        if enquiry.asks_nothing_new(command.answers, command.workflow):
            return enquiry
        enquiry.require("submit")
        answers = {**enquiry.answers, **(command.answers or {})}
        template = template_of(tx.session, enquiry.template_key, enquiry.template_version)
    else:
        enquiry = None
        answers = command.answers or {}
        template = template_of(tx.session, command.template_key, command.template_version)
    cleaned, assessment = _assessed(template.definition, answers, command.workflow)

    now = utcnow()
    if enquiry is None:
        repeated = _earlier_request(tx, command.request_id)
        if repeated is not None:
            if (repeated.status, repeated.template_key, repeated.answers) != (
                domain.SUBMITTED,
                template.key,
                cleaned,
            ) or not repeated.has_workflow(command.workflow):
                raise _request_reused(command.request_id)
            return repeated
        enquiry = Enquiry(
            id=str(uuid.uuid4()),
            template_key=template.key,
            template_version=template.version,
            status=domain.DRAFT,
            answers=cleaned,
            correlation_id=new_correlation_id(),
            request_id=command.request_id,
            created_by=_subject(tx),
            created_at=now,
        )
        repository.add_enquiry(tx.session, enquiry)
    enquiry.submit(
        cleaned, assessment, command.workflow, command.workflow_reason, now, command.actor
    )
    return enquiry


def _assessed(
    definition: dict[str, Any], answers: dict[str, Any], officer_choice: str | None
) -> tuple[dict[str, Any], domain.Assessment]:
    """The cleaned answers and what submission works out from them, or every problem at once."""
    today = london_today()
    cleaned, problems = domain.validate_answers(definition, answers, today)
    # The notice is checked on whatever answers are valid, so that its problems are reported
    # with the others, all at once.
    assessment, notice_problems = domain.assess(definition, cleaned, today)
    for key, messages in notice_problems.items():
        problems.setdefault(key, messages)
    field_errors: dict[str, Any] = {f"answers.{key}": msgs for key, msgs in problems.items()}
    if officer_choice and officer_choice not in domain.workflows(definition):
        field_errors["workflow"] = [f"must be one of {sorted(domain.workflows(definition))}"]
    if field_errors:
        raise ValidationFailed(field_errors)
    assert assessment is not None  # no problems, so the notice was checked
    return cleaned, assessment


def change_workflow(tx: Transaction, command: commands.ChangeWorkflow) -> Enquiry:
    """An officer moves a submitted enquiry to another workflow, with a reason."""
    enquiry = _enquiry(tx, command.enquiry_id)
    enquiry.require("change_workflow")
    template = template_of(tx.session, enquiry.template_key, enquiry.template_version)
    enquiry.change_workflow(
        command.workflow,
        domain.workflows(template.definition),
        command.reason,
        utcnow(),
        command.actor,
    )
    return enquiry


def enquiry_view(tx: Transaction, enquiry_id: str) -> tuple[Enquiry, dict[str, list[str]]]:
    """The enquiry with its progress, for someone reading it: the read is audited (who read
    which enquiry; not what it says)."""
    enquiry = _enquiry(tx, enquiry_id)
    template = template_of(tx.session, enquiry.template_key, enquiry.template_version)
    tx.audit_read(
        "enquiry.viewed",
        entity_type="enquiry",
        entity_id=enquiry.id,
        correlation_id=enquiry.correlation_id,
    )
    return enquiry, domain.progress(template.definition, enquiry.answers, london_today())


def _enquiry(tx: Transaction, enquiry_id: str) -> Enquiry:
    """The enquiry, or ``NotFound``; ``Forbidden`` for a customer whose it is not (one they
    started, or one their token names)."""
    enquiry = repository.get_enquiry(tx.session, enquiry_id)
    if enquiry is None:
        raise NotFound("enquiry", enquiry_id)
    caller = tx.caller
    customer = caller is not None and caller.is_customer_only
    if customer and enquiry.created_by != caller.subject and not caller.may_see_enquiry(enquiry.id):
        raise Forbidden(tx.action or "enquiry", "this enquiry is not the caller's")
    return enquiry


def _subject(tx: Transaction) -> str | None:
    return tx.caller.subject if tx.caller is not None else None


def _earlier_request(tx: Transaction, request_id: str | None) -> Enquiry | None:
    """The enquiry an earlier call with this ``request_id`` made. A request id is the caller's
    own: another caller's is refused as already used, without saying what it made."""
    if request_id is None:
        return None
    earlier = repository.enquiry_for_request(tx.session, request_id)
    if earlier is not None and tx.caller is not None and earlier.created_by != tx.caller.subject:
        raise _request_reused(request_id)
    return earlier


def _request_reused(request_id: str | None) -> Conflict:
    return Conflict(f"request_id {request_id!r} was already used for a different enquiry")
