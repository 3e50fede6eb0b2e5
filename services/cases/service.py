"""Cases service: nameko entrypoints only.

Every event handler is declared with ``requeue_on_error=True``: an unexpected failure (database
down, a bug) puts the event back on the queue instead of nameko's default of acknowledging it, so
nothing is silently dropped; events that can never succeed are parked by ``handle_event``.
"""

from __future__ import annotations

from typing import Any

from nameko.events import event_handler
from nameko.rpc import rpc

from services.cases import operations
from services.cases.models import metadata
from services.cases.schemas import CASE_ARGS, CASE_ID_ARGS, ENQUIRY_ARGS
from shared.errors import EXPECTED_ERRORS
from shared.unit_of_work import UnitOfWorkProvider
from shared.validation import load_arguments


def handles(source: str, event_type: str) -> Any:
    return event_handler(source, event_type, requeue_on_error=True)


class CasesService:
    name = "cases"

    uow = UnitOfWorkProvider(metadata, audit_sink=operations.store_audit_entry)

    @handles("enquiry", "enquiry.submitted")
    def open_case_for_enquiry(self, message: dict) -> None:
        self.uow.handle_event(message, "open_case_for_enquiry", operations.open_case_for_enquiry)

    @handles("enquiry", "enquiry.workflow_changed")
    def follow_workflow_change(self, message: dict) -> None:
        self.uow.handle_event(message, "follow_workflow_change", operations.follow_workflow_change)

    @handles("advice", "advice.matched")
    def record_advice(self, message: dict) -> None:
        self.uow.handle_event(message, "record_advice", operations.record_advice)

    @handles("tasks", "task.created")
    def record_task_created(self, message: dict) -> None:
        self.uow.handle_event(message, "record_task_created", operations.record_task)

    @handles("tasks", "task.activated")
    def record_task_activated(self, message: dict) -> None:
        self.uow.handle_event(message, "record_task_activated", operations.record_task)

    @handles("tasks", "task.completed")
    def record_task_completed(self, message: dict) -> None:
        self.uow.handle_event(message, "record_task_completed", operations.record_task)

    @handles("documents", "document.generated")
    def record_document(self, message: dict) -> None:
        self.uow.handle_event(message, "record_document", operations.record_document)

    # The audit trail: one queue per publishing service (nameko binds a handler to one exchange).
    @handles("enquiry", "audit.recorded")
    def record_enquiry_audit(self, message: dict) -> None:
        self.uow.handle_event(message, "record_enquiry_audit", operations.record_audit_event)

    @handles("advice", "audit.recorded")
    def record_advice_audit(self, message: dict) -> None:
        self.uow.handle_event(message, "record_advice_audit", operations.record_audit_event)

    @handles("tasks", "audit.recorded")
    def record_tasks_audit(self, message: dict) -> None:
        self.uow.handle_event(message, "record_tasks_audit", operations.record_audit_event)

    @handles("documents", "audit.recorded")
    def record_documents_audit(self, message: dict) -> None:
        self.uow.handle_event(message, "record_documents_audit", operations.record_audit_event)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_case(self, reference: str) -> dict[str, Any]:
        """The case (by reference such as ``HO-2026-000001``, or by id) with its advice, tasks and
        documents."""
        load_arguments(CASE_ARGS, reference=reference)
        with self.uow.read() as session:
            return operations.case_view(session, reference)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_case_for_enquiry(self, enquiry_id: str) -> dict[str, Any]:
        """The case opened for an enquiry: how a front end finds the case after submitting."""
        load_arguments(ENQUIRY_ARGS, enquiry_id=enquiry_id)
        with self.uow.read() as session:
            return operations.case_view_for_enquiry(session, enquiry_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_timeline(self, case_id: str) -> list[dict[str, Any]]:
        """Every audit entry of the case (by id or reference), oldest first."""
        load_arguments(CASE_ID_ARGS, case_id=case_id)
        with self.uow.read() as session:
            return operations.case_timeline(session, case_id)
