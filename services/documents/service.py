"""Documents service: nameko entrypoints only (see cases/service.py on requeue_on_error)."""

from __future__ import annotations

from functools import partial
from typing import Any

from nameko.dependency_providers import Config

from services.documents import operations, rendering
from services.documents.models import metadata
from services.documents.policy import POLICY
from services.documents.providers import DocumentStore, DocumentsUnitOfWork, PackRenderer
from services.documents.schemas import (
    CASE_ARGS,
    DOCUMENT_ARGS,
    DocumentSchema,
    RegenerateSchema,
)
from shared import nameko_wiring
from shared.bus import event_handler
from shared.nameko_wiring import rpc
from shared.validation import load, load_arguments


# The relay is referenced through its module: `nameko run` would start any class with
# entrypoints that this module names.
class DocumentsService(nameko_wiring.OutboxRelay):
    name = "documents"

    uow = DocumentsUnitOfWork(metadata)
    caller = nameko_wiring.CallerProvider(POLICY)
    config = Config()
    store = DocumentStore()
    renderer = PackRenderer()

    def _collect(self, message: dict, record: Any) -> None:
        self.uow.handle_event(message, partial(record, renderer=self.renderer))

    @event_handler("enquiry", "enquiry.submitted", requeue_on_error=True)
    def collect_answers(self, message: dict) -> None:
        self._collect(message, operations.record_answers)

    @event_handler("cases", "case.opened", requeue_on_error=True)
    def collect_case(self, message: dict) -> None:
        self._collect(message, operations.record_case)

    @event_handler("advice", "advice.matched", requeue_on_error=True)
    def collect_advice(self, message: dict) -> None:
        self._collect(message, operations.record_advice)

    @event_handler("tasks", "task.plan_created", requeue_on_error=True)
    def collect_task_plan(self, message: dict) -> None:
        self._collect(message, operations.record_task_plan)

    @rpc
    def get_document(self, document_id: str, edition: str = "pdf") -> dict[str, Any]:
        """A document's metadata and its content: the PDF as ``content_base64``, or with
        ``edition="html"`` the accessible HTML edition as ``html``."""
        args = load_arguments(DOCUMENT_ARGS, document_id=document_id, edition=edition)
        with self.uow.transaction() as tx:
            return operations.document_view(tx, self.store, document_id, args["edition"])

    @rpc
    def regenerate(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case_id, kind, actor}``: a new version of the case's ``information_pack`` or of a
        letter (``acknowledgement``, or any letter template). Limited per case and kind per
        hour; only the last versions keep their files."""
        command = load(RegenerateSchema(), request)
        with self.uow.transaction() as tx:
            document, released = operations.regenerate(tx, command, self.renderer)
            reply = DocumentSchema().dump(document)
        # Only once the new version is committed do the old files go.
        operations.delete_files(self.store, released)
        return reply

    @rpc
    def list_letter_types(self) -> list[str]:
        """The letters ``regenerate`` can make, besides the ``information_pack``."""
        return rendering.letter_types()

    @rpc
    def list_documents(self, case_id: str) -> list[dict[str, Any]]:
        """Every document of the case, all versions, without content."""
        load_arguments(CASE_ARGS, case_id=case_id)
        with self.uow.transaction() as tx:
            return DocumentSchema(many=True).dump(operations.documents_of_case(tx, case_id))
