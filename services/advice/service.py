"""Advice service: nameko entrypoints only (see services/cases/service.py on requeue_on_error)."""

from __future__ import annotations

from typing import Any

from nameko.events import event_handler
from nameko.rpc import rpc

from services.advice import operations, repository
from services.advice.models import metadata
from services.advice.schemas import MatchRequestSchema, WorkflowSchema
from services.advice.seed import load_seed
from shared.clock import london_today
from shared.errors import EXPECTED_ERRORS
from shared.unit_of_work import UnitOfWorkProvider
from shared.validation import load


class AdviceService:
    name = "advice"

    uow = UnitOfWorkProvider(metadata, seed=load_seed)

    @event_handler("enquiry", "enquiry.submitted", requeue_on_error=True)
    def match_submitted_enquiry(self, message: dict) -> None:
        self.uow.handle_event(
            message, "match_submitted_enquiry", operations.match_submitted_enquiry
        )

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def match(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """``{workflow, answers, on_date?}`` → the statements that apply, in pack order."""
        args = load(MatchRequestSchema(), request)
        with self.uow.read() as session:
            return operations.match(
                session, args["workflow"], args["answers"], args["on_date"] or london_today()
            )

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_workflows(self) -> list[dict[str, Any]]:
        with self.uow.read() as session:
            return WorkflowSchema(many=True).dump(repository.all_workflows(session))
