"""Use cases of the documents service. No nameko."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from services.documents import events, rendering, repository, schemas
from services.documents.file_store import FileStore
from services.documents.models import Document, PackRequest
from shared.clock import london_today, utcnow
from shared.envelope import Envelope, load_event_data
from shared.errors import NotFound, ValidationFailed
from shared.unit_of_work import Transaction

INFORMATION_PACK = "information_pack"


@dataclass(frozen=True)
class Renderer:
    store: FileStore
    branding: dict[str, Any]


def record_answers(tx: Transaction, event: Envelope, renderer: Renderer) -> Document | None:
    data = load_event_data(event, schemas.EnquirySubmittedData())
    repository.fill_pack_part(
        tx.session,
        data["enquiry_id"],
        {
            "answers": data["answers"],
            "correlation_id": event.correlation_id,
            "answers_received_at": utcnow(),
        },
    )
    return render_pack_when_complete(tx, data["enquiry_id"], event.id, renderer)


def record_case(tx: Transaction, event: Envelope, renderer: Renderer) -> Document | None:
    data = load_event_data(event, schemas.CaseOpenedData())
    repository.fill_pack_part(
        tx.session,
        data["enquiry_id"],
        {
            "case_id": data["case_id"],
            "case_reference": data["reference"],
            "correlation_id": event.correlation_id,
            "case_received_at": utcnow(),
        },
    )
    return render_pack_when_complete(tx, data["enquiry_id"], event.id, renderer)


def record_advice(tx: Transaction, event: Envelope, renderer: Renderer) -> Document | None:
    data = load_event_data(event, schemas.AdviceMatchedData())
    repository.fill_pack_part(
        tx.session,
        data["enquiry_id"],
        {
            "workflow": data["workflow"],
            "workflow_title": data["workflow_title"],
            "sections": data["sections"],
            "statements": data["statements"],
            "correlation_id": event.correlation_id,
            "advice_received_at": utcnow(),
        },
    )
    return render_pack_when_complete(tx, data["enquiry_id"], event.id, renderer)


def render_pack_when_complete(
    tx: Transaction, enquiry_id: str, causation_id: str, renderer: Renderer
) -> Document | None:
    request = repository.claim_complete_pack(tx.session, enquiry_id)
    if request is None:
        return None
    try:
        pdf = rendering.html_to_pdf(rendering.pack_html(pack_content(request), renderer.branding))
    except rendering.RenderFailed as failure:
        # Content that cannot be rendered will not render on a retry either: park the event
        # with the reason (rejected_events) rather than redeliver it for ever.
        raise ValidationFailed({"pack": [str(failure)]}) from failure
    document_id = str(uuid.uuid4())
    path, sha256 = renderer.store.write(f"{request.case_id}/{document_id}.pdf", pdf)
    document = Document(
        id=document_id,
        case_id=request.case_id,
        case_reference=request.case_reference,
        correlation_id=request.correlation_id,
        kind=INFORMATION_PACK,
        version=repository.next_version(tx.session, request.case_id, INFORMATION_PACK),
        media_type="application/pdf",
        path=path,
        sha256=sha256,
        size=len(pdf),
        template_version=rendering.PACK_TEMPLATE_VERSION,
        statement_versions=[f"{s['key']}@{s['version']}" for s in request.statements],
        created_at=utcnow(),
    )
    tx.session.add(document)
    tx.session.flush()
    tx.emit(events.document_generated(document, causation_id))
    tx.audit(
        actor="system:documents",
        action="document.generated",
        entity_type="document",
        entity_id=document.id,
        case_id=document.case_id,
        correlation_id=document.correlation_id,
        causation_id=causation_id,
        after={"kind": document.kind, "version": document.version, "sha256": document.sha256},
    )
    return document


def pack_content(request: PackRequest) -> dict[str, Any]:
    by_section: dict[str, list[dict[str, Any]]] = {}
    for statement in request.statements:
        by_section.setdefault(statement["section"], []).append(statement)
    return {
        "case_reference": request.case_reference,
        "applicant_name": request.answers.get("full_name"),
        "workflow_title": request.workflow_title,
        "generated_on": london_today(),
        "answers": request.answers,
        "next_steps": [],
        "sections": [
            {**section, "statements": by_section[section["key"]]}
            for section in request.sections
            if section["key"] in by_section
        ],
    }


def document_view(session: Session, store: FileStore, document_id: str) -> dict[str, Any]:
    document = repository.get_document(session, document_id)
    if document is None:
        raise NotFound("document", document_id)
    content = store.read(document.path)
    return {
        **schemas.DocumentSchema().dump(document),
        "path": str(store.absolute(document.path)),
        "content_base64": base64.b64encode(content).decode("ascii"),
    }
