"""Events the documents service publishes (exchange ``documents.events``). See docs/events.md."""

from __future__ import annotations

from services.documents.models import Document
from shared.clock import isoformat
from shared.envelope import Envelope

SOURCE = "documents"
DOCUMENT_GENERATED = "document.generated"
# Bumped when a subscriber must know of a change (additions compatible with it keep it).
DOCUMENT_GENERATED_VERSION = 1


def document_generated(document: Document, causation_id: str | None) -> Envelope:
    return Envelope(
        type=DOCUMENT_GENERATED,
        version=DOCUMENT_GENERATED_VERSION,
        source=SOURCE,
        correlation_id=document.correlation_id,
        causation_id=causation_id,
        data={
            "document_id": document.id,
            "case_id": document.case_id,
            "case_reference": document.case_reference,
            "kind": document.kind,
            "version": document.version,
            "media_type": document.media_type,
            "sha256": document.sha256,
            "size": document.size,
            "generated_at": isoformat(document.created_at),
        },
    )
