"""Use cases of the documents service: repository + rendering + the events they cause. No
nameko: the file store and the renderer come from the service's dependency providers."""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.documents import commands, events, isolation, rendering, repository, schemas
from services.documents.encryption import KeyProblem
from services.documents.file_store import FileStore
from services.documents.models import Document, PackRequest
from shared.clock import london_today, parse_iso, utcnow
from shared.envelope import Envelope, load_event_data
from shared.errors import Conflict, Forbidden, NotFound, NotYet, ValidationFailed
from shared.unit_of_work import Transaction

INFORMATION_PACK = "information_pack"
ACKNOWLEDGEMENT = "acknowledgement"
SYSTEM = "system:documents"
LONDON = ZoneInfo("Europe/London")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retention:
    """How often a document may be made again, and how many versions keep their files
    (docs/documents.md, "Versions")."""

    regenerations_per_hour: int = 10
    keep_versions: int = 5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Retention:
        """``DOCUMENT_REGENERATIONS_PER_HOUR`` and ``DOCUMENT_KEEP_VERSIONS``, at least 1."""
        values = {}
        for name, setting in (
            ("regenerations_per_hour", "DOCUMENT_REGENERATIONS_PER_HOUR"),
            ("keep_versions", "DOCUMENT_KEEP_VERSIONS"),
        ):
            value = config.get(setting)
            values[name] = getattr(cls, name) if value in (None, "") else int(value)
            if values[name] < 1:
                raise ValueError(f"{setting} must be at least 1")
        return cls(**values)


@dataclass(frozen=True)
class Renderer:
    """Where documents are stored, the council's branding they are rendered with, the worker
    processes that render what untrusted input can slow down, and the retention rules."""

    store: FileStore
    branding: dict[str, Any]
    workers: isolation.RenderWorkers = field(default_factory=isolation.shared_workers)
    retention: Retention = Retention()


# What each document waits for (the parts of the pack request), and the flag that claims it once.
ACKNOWLEDGEMENT_NEEDS = ("answers", "case")
PACK_NEEDS = ("answers", "case", "advice", "tasks")


def record_answers(tx: Transaction, event: Envelope, renderer: Renderer) -> Document | None:
    data = load_event_data(event, schemas.EnquirySubmittedData())
    # What statements personalise from: the answers and the facts derived from the notice
    # check, as the rules that chose the statements saw them.
    part = {
        "answers": {**data["answers"], **data["derived"]},
        "applicant_name": data["roles"].get("applicant_name"),
        "correlation_id": event.correlation_id,
    }
    return _fill_part(tx, event, renderer, data["enquiry_id"], "answers", part)


def record_case(tx: Transaction, event: Envelope, renderer: Renderer) -> Document | None:
    data = load_event_data(event, schemas.CaseOpenedData())
    part = {
        "case_id": data["case_id"],
        "case_reference": data["reference"],
        "team": data["team"],
        "correlation_id": event.correlation_id,
    }
    return _fill_part(tx, event, renderer, data["enquiry_id"], "case", part)


def record_advice(tx: Transaction, event: Envelope, renderer: Renderer) -> Document | None:
    data = load_event_data(event, schemas.AdviceMatchedData())
    part = {
        "workflow": data["workflow"],
        "workflow_title": data["workflow_title"],
        "sections": data["sections"],
        "statements": data["statements"],
        "correlation_id": event.correlation_id,
    }
    return _fill_part(tx, event, renderer, data["enquiry_id"], "advice", part)


def record_task_plan(tx: Transaction, event: Envelope, renderer: Renderer) -> Document | None:
    """The case's tasks; those that concern the customer become the pack's next steps."""
    data = load_event_data(event, schemas.TaskPlanData())
    pack = repository.pack_request_for_case(tx.session, data["case_id"])
    if pack is None:
        # Pack requests are keyed by enquiry, and case.opened (which names it) has not reached
        # us yet: the event waits for it.
        raise NotYet(f"case.opened of case {data['case_id']}")
    steps = [
        {"name": task["name"], "due_at": task["due_at"]}
        for task in data["tasks"]
        if task["customer_facing"]
    ]
    return _fill_part(tx, event, renderer, pack.enquiry_id, "tasks", {"next_steps": steps})


def _fill_part(
    tx: Transaction,
    event: Envelope,
    renderer: Renderer,
    enquiry_id: str,
    part: str,
    values: dict[str, Any],
) -> Document | None:
    """Fill one part of the enquiry's pack request, then render whatever that completes."""
    repository.fill_pack_part(tx.session, enquiry_id, {**values, f"{part}_received_at": utcnow()})
    return render_pack_when_complete(tx, enquiry_id, event.id, renderer)


def render_pack_when_complete(
    tx: Transaction, enquiry_id: str, causation_id: str, renderer: Renderer
) -> Document | None:
    """Render the acknowledgement letter as soon as the answers and the case are in, and the
    pack once the advice and the tasks are in too; each exactly once, whatever order the events
    came in."""
    acknowledge = repository.claim_pack_request(
        tx.session, enquiry_id, "acknowledged", ACKNOWLEDGEMENT_NEEDS
    )
    if acknowledge is not None:
        render_letter_for(tx, acknowledge, ACKNOWLEDGEMENT, renderer, SYSTEM, causation_id)
    request = repository.claim_pack_request(tx.session, enquiry_id, "rendered", PACK_NEEDS)
    if request is None:
        return None
    return render_pack_for(tx, request, renderer, SYSTEM, causation_id)


def render_pack_for(
    tx: Transaction, request: PackRequest, renderer: Renderer, actor: str, causation_id: str | None
) -> Document:
    """The pack; a statement that fails its render budget is left out, named on the document
    (``omitted_statements``) and in the log, and the rest of the pack goes out."""
    statements, omitted = personalised_statements(request, renderer.workers)
    content = pack_content(request, statements)
    return _store(
        tx,
        request,
        INFORMATION_PACK,
        lambda medium: rendering.pack_html(content, renderer.branding, medium),
        rendering.PACK_TEMPLATE_VERSION,
        [f"{s['key']}@{s['version']}" for s in statements],
        renderer,
        actor,
        causation_id,
        omitted,
    )


def personalised_statements(
    request: PackRequest, workers: isolation.RenderWorkers
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """(the statements with their personalised ``html``, those left out with their problem)."""
    _, answers = _personalisation(request)
    kept, omitted = [], []
    for statement in request.statements:
        label = f"{statement['key']}@{statement['version']}"
        try:
            html = workers.statement(statement["body"], answers)
        except isolation.StatementProblem as problem:
            # The key names the statement in the bank; nothing of the body or the answers.
            log.warning(
                "statement %s left out of the pack of case %s: %s",
                label,
                request.case_id,
                problem.kind,
            )
            omitted.append({"statement": label, "problem": problem.kind})
            continue
        kept.append({**statement, "html": html})
    return kept, omitted


def render_letter_for(
    tx: Transaction,
    request: PackRequest,
    letter: str,
    renderer: Renderer,
    actor: str,
    causation_id: str | None,
) -> Document:
    applicant_name, answers = _personalisation(request)
    content = {
        "case_reference": request.case_reference,
        "applicant_name": applicant_name,
        "generated_on": london_today(),
        "answers": answers,
    }
    return _store(
        tx,
        request,
        letter,
        lambda medium: rendering.letter_html(letter, content, renderer.branding, medium),
        f"letter-{letter}-1",
        [],
        renderer,
        actor,
        causation_id,
    )


def regenerate(
    tx: Transaction, command: commands.Regenerate, renderer: Renderer
) -> tuple[Document, list[str]]:
    """A new version of a case's document from what is known now: (the document, the files of
    older versions no longer kept, for the caller to delete once this has committed). At most
    ``regenerations_per_hour`` versions of one kind of one case are made in any hour."""
    pack = repository.pack_request_for_case(tx.session, command.case_id)
    if pack is None:
        raise NotFound("case", command.case_id)
    _check_case(tx, command.case_id)
    kind = command.kind
    if kind != INFORMATION_PACK and kind not in rendering.letter_types():
        raise ValidationFailed(
            {"kind": [f"one of {[INFORMATION_PACK, *rendering.letter_types()]}"]}
        )
    _check_regeneration_rate(tx, command.case_id, kind, renderer.retention)
    if kind == INFORMATION_PACK:
        if pack.advice_received_at is None or pack.answers_received_at is None:
            raise Conflict(f"the pack for case {command.case_id} cannot be made yet")
        document = render_pack_for(tx, pack, renderer, command.actor, None)
    else:
        document = render_letter_for(tx, pack, kind, renderer, command.actor, None)
    return document, _release_old_versions(tx, document, renderer.retention)


def _check_regeneration_rate(tx: Transaction, case_id: str, kind: str, rules: Retention) -> None:
    made = repository.count_made_since(tx.session, case_id, kind, utcnow() - timedelta(hours=1))
    if made >= rules.regenerations_per_hour:
        raise Conflict(
            f"{kind} of case {case_id} was made {made} times in the last hour, the most allowed;"
            " try again later"
        )


def _release_old_versions(tx: Transaction, newest: Document, rules: Retention) -> list[str]:
    """Mark the versions before the last ``keep_versions`` as without files; their paths."""
    older = repository.versions_with_files_before(
        tx.session, newest.case_id, newest.kind, newest.version - rules.keep_versions + 1
    )
    now, released = utcnow(), []
    for document in older:
        document.files_removed_at = now
        released += [p for p in (document.path, document.html_path) if p]
    return released


def delete_files(store: FileStore, paths: list[str]) -> None:
    """After the commit that released them (the sweep deletes any a crash leaves)."""
    for path in paths:
        store.delete(path)


def _store(
    tx: Transaction,
    request: PackRequest,
    kind: str,
    html_for: Any,
    template_version: str,
    statement_versions: list[str],
    renderer: Renderer,
    actor: str,
    causation_id: str | None,
    omitted: list[dict[str, str]] | None = None,
) -> Document:
    try:
        pdf = renderer.workers.pdf(html_for("pdf"))
        web = html_for("html").encode("utf-8")
    except rendering.RenderFailed as failure:
        # Content that cannot be rendered will not render on a retry either: park the event
        # with the reason (rejected_events) rather than redeliver it for ever.
        raise ValidationFailed({kind: [str(failure)]}) from failure
    document_id = str(uuid.uuid4())
    # Files are written before the commit, so there is never a document row without its file;
    # a rollback deletes them again (only a process killed between the two leaves a file
    # nothing refers to).
    path, sha256 = renderer.store.write(f"{request.case_id}/{document_id}.pdf", pdf)
    tx.on_rollback(lambda: renderer.store.delete(path))
    html_path, html_sha256 = renderer.store.write(f"{request.case_id}/{document_id}.html", web)
    tx.on_rollback(lambda: renderer.store.delete(html_path))
    document = Document(
        id=document_id,
        case_id=request.case_id,
        case_reference=request.case_reference,
        correlation_id=request.correlation_id,
        kind=kind,
        version=repository.next_version(tx.session, request.case_id, kind),
        media_type="application/pdf",
        path=path,
        sha256=sha256,
        size=len(pdf),
        html_path=html_path,
        html_sha256=html_sha256,
        template_version=template_version,
        statement_versions=statement_versions,
        omitted_statements=omitted or None,
        created_at=utcnow(),
        created_by=actor,
    )
    tx.session.add(document)
    tx.session.flush()
    after: dict[str, Any] = {
        "kind": document.kind,
        "version": document.version,
        "sha256": document.sha256,
    }
    if omitted:
        after["omitted_statements"] = omitted
    tx.record(
        events.document_generated(document, causation_id),
        actor=actor,
        entity_type="document",
        entity_id=document.id,
        case_id=document.case_id,
        after=after,
    )
    return document


def pack_content(
    request: PackRequest, statements: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """What the pack template shows: ``statements`` (default: the request's, rendered by the
    template itself) grouped by section in the workflow's order."""
    by_section: dict[str, list[dict[str, Any]]] = {}
    for statement in request.statements if statements is None else statements:
        by_section.setdefault(statement["section"], []).append(statement)
    applicant_name, answers = _personalisation(request)
    return {
        "case_reference": request.case_reference,
        "applicant_name": applicant_name,
        "workflow_title": request.workflow_title,
        "generated_on": london_today(),
        "answers": answers,
        "next_steps": [_step(step) for step in request.next_steps or []],
        "sections": [
            {**section, "statements": by_section[section["key"]]}
            for section in request.sections
            if section["key"] in by_section
        ],
    }


def _personalisation(request: PackRequest) -> tuple[str | None, dict[str, Any]]:
    """The applicant's name (the form's ``applicant_name`` role) and what statements
    personalise from (answers and derived facts)."""
    return request.applicant_name, dict(request.answers or {})


def _step(step: dict[str, Any]) -> str:
    if not step.get("due_at"):
        return step["name"]
    due = parse_iso(step["due_at"]).astimezone(LONDON).date()
    return f"{step['name']} (by {rendering.long_date(due)})"


def document_view(
    tx: Transaction, store: FileStore, document_id: str, edition: str = "pdf"
) -> dict[str, Any]:
    """The document with its content: the PDF (base64) or the accessible HTML edition (text).
    A customer gets only a document of their own case; every read is audited. A file still
    under an older key is moved to the current one as it is read."""
    document = repository.get_document(tx.session, document_id)
    if document is None:
        raise NotFound("document", document_id)
    _check_case(tx, document.case_id)
    if document.files_removed_at is not None:
        raise NotFound("files of document", document_id)
    tx.audit_read(
        "document.viewed",
        entity_type="document",
        entity_id=document.id,
        case_id=document.case_id,
        correlation_id=document.correlation_id,
    )
    view = schemas.DocumentSchema().dump(document)
    if edition == "html":
        if document.html_path is None:
            raise NotFound("HTML edition of document", document_id)
        html = _read(store, document.html_path, document.html_sha256)
        return {**view, "media_type": "text/html", "html": html.decode("utf-8")}
    content = _read(store, document.path, document.sha256)
    return {**view, "content_base64": base64.b64encode(content).decode("ascii")}


def _read(store: FileStore, path: str, sha256: str | None) -> bytes:
    content = store.read(path, sha256)
    try:
        store.reencrypt(path, sha256)
    except (OSError, KeyProblem):
        # The reader still gets the document; `keys reencrypt` moves the file later.
        log.warning("could not move document file %s to the current key", path, exc_info=True)
    return content


def _check_case(tx: Transaction, case_id: str) -> None:
    """A customer sees the documents of a case their token names; an officer those of their own
    team's cases (a case from before teams were announced is any officer's)."""
    caller = tx.caller
    if caller is None:
        return
    if caller.is_customer_only and case_id not in caller.cases:
        raise Forbidden(tx.action or "document", "this case is not the caller's")
    if caller.team_scope is not None:
        pack = repository.pack_request_for_case(tx.session, case_id)
        if pack is not None and pack.team is not None and pack.team != caller.team_scope:
            raise Forbidden(
                tx.action or "document",
                "this case belongs to another team",
                case_id=case_id,
                correlation_id=pack.correlation_id,
            )


def documents_of_case(tx: Transaction, case_id: str) -> list[Document]:
    """Every document of the case, all versions, by kind then version (a customer: of their own
    case only); the listing is audited."""
    _check_case(tx, case_id)
    found = repository.documents_of_case(tx.session, case_id)
    if found:  # a listing that showed nothing read nothing
        tx.audit_read(
            "documents.listed",
            entity_type="case",
            entity_id=case_id,
            case_id=case_id,
            correlation_id=found[0].correlation_id,
        )
    return found
