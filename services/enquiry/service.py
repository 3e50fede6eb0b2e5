"""Enquiry service: nameko entrypoints only."""

from __future__ import annotations

from typing import Any

from nameko.dependency_providers import Config

from services.enquiry import operations, repository
from services.enquiry.council import EnquiryStore, council_nation_of
from services.enquiry.models import Enquiry, metadata
from services.enquiry.policy import POLICY
from services.enquiry.schemas import (
    ENQUIRY_ARGS,
    TEMPLATE_ARGS,
    ChangeWorkflowSchema,
    EnquirySchema,
    PublishTemplateSchema,
    SaveAnswersSchema,
    StartEnquirySchema,
    SubmitEnquirySchema,
    TemplateSummarySchema,
)
from shared import nameko_wiring
from shared.nameko_wiring import rpc
from shared.validation import load, load_arguments


def _dump(enquiry: Enquiry) -> dict[str, Any]:
    return EnquirySchema().dump(enquiry)


# The relay is referenced through its module: `nameko run` would start any class with
# entrypoints that this module names.
class EnquiryService(nameko_wiring.OutboxRelay):
    name = "enquiry"

    uow = EnquiryStore(metadata)
    caller = nameko_wiring.CallerProvider(POLICY)
    config = Config()

    @rpc
    def get_template(self, key: str, version: int | None = None) -> dict[str, Any]:
        """The question template (latest published version unless ``version`` is given)."""
        args = load_arguments(TEMPLATE_ARGS, key=key, version=version)
        with self.uow.read() as session:
            return operations.template_of(session, args["key"], args["version"]).definition

    @rpc
    def list_templates(self) -> list[dict[str, Any]]:
        """Every published version of every template."""
        with self.uow.read() as session:
            return TemplateSummarySchema(many=True).dump(repository.list_templates(session))

    @rpc
    def publish_template(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{definition, actor}``: publish the next version of a template after checking it,
        including its ``nation`` (the council's ``COUNCIL_NATION``), ``effective_from`` and
        ``roles``."""
        command = load(PublishTemplateSchema(), request)
        nation = council_nation_of(self.config, self.name)
        with self.uow.transaction() as tx:
            template = operations.publish_template(tx, command, nation)
        return TemplateSummarySchema().dump(template)

    @rpc
    def start_enquiry(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{template_key, template_version?, prefill_from_enquiry?, request_id?, actor?}``: a
        new draft. The same ``request_id`` again answers with the same draft."""
        command = load(StartEnquirySchema(), request)
        enquiry = operations.once_per_request(self.uow, command, operations.start_enquiry)
        return self.get_enquiry(enquiry.id)

    @rpc
    def save_answers(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{enquiry_id, answers, actor?}``: merge answers into a draft (save and return)."""
        command = load(SaveAnswersSchema(), request)
        with self.uow.transaction() as tx:
            operations.save_answers(tx, command)
        return self.get_enquiry(command.enquiry_id)

    @rpc
    def submit_enquiry(self, enquiry: dict[str, Any]) -> dict[str, Any]:
        """Submit a draft ``{enquiry_id, answers?}`` or a whole enquiry ``{template_key,
        template_version?, answers}``; both take ``workflow``/``workflow_reason`` (officer's
        choice) and ``actor``; a whole enquiry takes ``request_id`` (idempotency key: sent
        again, it answers with the enquiry already submitted). Returns the stored enquiry with
        its workflow."""
        command = load(SubmitEnquirySchema(), enquiry)
        return _dump(operations.once_per_request(self.uow, command, operations.submit_enquiry))

    @rpc
    def change_workflow(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{enquiry_id, workflow, reason, actor}``: an officer re-channels a submitted enquiry."""
        command = load(ChangeWorkflowSchema(), request)
        with self.uow.transaction() as tx:
            enquiry = operations.change_workflow(tx, command)
        return _dump(enquiry)

    @rpc
    def get_enquiry(self, enquiry_id: str) -> dict[str, Any]:
        """The enquiry, with ``progress``: the questions to show now and the required ones
        still unanswered (what a front end needs to resume a draft). A submitted enquiry also
        has its ``nation``, ``suggested_duty`` and ``notice_check`` (null without a notice)."""
        load_arguments(ENQUIRY_ARGS, enquiry_id=enquiry_id)
        with self.uow.transaction() as tx:
            enquiry, progress = operations.enquiry_view(tx, enquiry_id)
            return {**_dump(enquiry), "progress": progress}
