"""Advice service: nameko entrypoints only (see cases/service.py on requeue_on_error)."""

from __future__ import annotations

from typing import Any

from nameko.rpc import RpcProxy

from services.advice import operations
from services.advice.models import metadata
from services.advice.policy import POLICY
from services.advice.schemas import (
    LIST_ARGS,
    STATEMENT_ARGS,
    MatchRequestSchema,
    PreviewStatementSchema,
    SaveStatementSchema,
    StatementSchema,
    WhyRequestSchema,
    WorkflowSchema,
)
from services.advice.seed import load_seed
from shared import nameko_wiring
from shared.bus import event_handler
from shared.nameko_wiring import UnitOfWorkProvider, rpc
from shared.validation import load, load_arguments


# The relay is referenced through its module: `nameko run` would start any class with
# entrypoints that this module names.
class AdviceService(nameko_wiring.OutboxRelay):
    name = "advice"

    uow = UnitOfWorkProvider(metadata, seed=load_seed)
    caller = nameko_wiring.CallerProvider(POLICY)
    enquiry = RpcProxy("enquiry")

    @event_handler("enquiry", "enquiry.submitted", requeue_on_error=True)
    def match_submitted_enquiry(self, message: dict) -> None:
        self.uow.handle_event(message, operations.match_submitted_enquiry)

    @rpc(records_actor=False)
    def match(self, request: dict[str, Any]) -> list[dict[str, Any]] | dict[str, Any]:
        """``{workflow, answers, derived?, nation?, on_date?, report_failed?}`` → the statements
        for that nation (default england) in effect on that day (default today) whose
        conditions hold over the answers and derived facts, in pack order, each with
        ``reasons``: the conditions that held and the answers they used. A statement that could
        not be judged is left out; with ``report_failed: true`` the answer is ``{statements,
        failed}``, ``failed`` naming those statements (``{key, version, reason}``)."""
        command = load(MatchRequestSchema(), request)
        with self.uow.read() as session:
            return operations.match_statements(session, command)

    @rpc(records_actor=False)
    def explain_statement(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{statement_key, workflow, answers, derived?, nation?, on_date?}`` → whether the
        statement is chosen and why (not): eligibility, nation, dates, and every condition with
        the answer it saw; ``failed`` says why a statement could not be judged (else null)."""
        command = load(WhyRequestSchema(), request)
        with self.uow.read() as session:
            return operations.why(session, command)

    @rpc(records_actor=False)
    def preview_statement(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{statement, workflow, answers, derived?, nation?, on_date?, template_key?}`` →
        ``{draft, saved}``: ``explain_statement``'s answer for the statement as drafted (checked
        as ``save_statement`` checks it, nothing stored), and for the saved version if any."""
        command = load(PreviewStatementSchema(), request)
        template = self.enquiry.get_template(command.template_key)
        with self.uow.read() as session:
            return operations.preview(session, command, template)

    @rpc
    def save_statement(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{statement, actor, template_key?}``: add a statement or a new version of it,
        checked against the question template (fetched from the enquiry service). A statement
        names its ``nations``, ``source`` and ``reviewed_on``; each missing one is an error
        naming ``statement[<key>].<field>``."""
        command = load(SaveStatementSchema(), request)
        template = self.enquiry.get_template(command.template_key)
        with self.uow.transaction() as tx:
            statement, created = operations.save_statement(tx, command, template)
            return {**StatementSchema().dump(statement), "new_version": created}

    @rpc
    def get_statement(self, key: str) -> list[dict[str, Any]]:
        """Every version of a statement, oldest first."""
        load_arguments(STATEMENT_ARGS, key=key)
        with self.uow.read() as session:
            return StatementSchema(many=True).dump(operations.statement_history(session, key))

    @rpc
    def list_statements(self, workflow: str | None = None) -> list[dict[str, Any]]:
        """The current version of every statement (of one workflow, if given)."""
        load_arguments(LIST_ARGS, workflow=workflow)
        with self.uow.read() as session:
            statements = operations.list_statements(session, workflow)
            return StatementSchema(many=True).dump(statements)

    @rpc
    def list_workflows(self) -> list[dict[str, Any]]:
        """Every workflow with its sections in pack order, by key."""
        with self.uow.read() as session:
            return WorkflowSchema(many=True).dump(operations.list_workflows(session))
