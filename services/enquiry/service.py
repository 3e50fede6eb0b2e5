"""Enquiry service: nameko entrypoints only."""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc

from services.enquiry import operations, repository
from services.enquiry.models import metadata
from services.enquiry.schemas import (
    ENQUIRY_ARGS,
    TEMPLATE_ARGS,
    EnquirySchema,
    SubmitEnquirySchema,
)
from services.enquiry.seed import load_seed
from shared.errors import EXPECTED_ERRORS, NotFound
from shared.unit_of_work import UnitOfWorkProvider
from shared.validation import load, load_arguments


class EnquiryService:
    name = "enquiry"

    uow = UnitOfWorkProvider(metadata, seed=load_seed)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_template(self, key: str, version: int | None = None) -> dict[str, Any]:
        """The question template (latest published version unless ``version`` is given)."""
        args = load_arguments(TEMPLATE_ARGS, key=key, version=version)
        key, version = args["key"], args["version"]
        with self.uow.read() as session:
            template = repository.get_template(session, key, version)
            if template is None:
                raise NotFound("question template", key if version is None else f"{key}@{version}")
            return template.definition

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def submit_enquiry(self, enquiry: dict[str, Any]) -> dict[str, Any]:
        """Submit a completed enquiry: ``{template_key, template_version?, answers, workflow?,
        workflow_reason?, actor?}``. Returns the stored enquiry with its chosen workflow."""
        request = load(SubmitEnquirySchema(), enquiry)
        with self.uow.transaction() as tx:
            stored = operations.submit_enquiry(tx, request)
        return EnquirySchema().dump(stored)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_enquiry(self, enquiry_id: str) -> dict[str, Any]:
        load_arguments(ENQUIRY_ARGS, enquiry_id=enquiry_id)
        with self.uow.read() as session:
            enquiry = repository.get_enquiry(session, enquiry_id)
            if enquiry is None:
                raise NotFound("enquiry", enquiry_id)
            return EnquirySchema().dump(enquiry)
