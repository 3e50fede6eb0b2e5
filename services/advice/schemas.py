"""What the advice service accepts and returns."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.advice import commands
from shared.envelope import Envelope, load_event_data
from shared.law import NATIONS
from shared.validation import CommandSchema, EventDataSchema, RequestSchema, arguments_schema

ANSWERS = {"keys": fields.String(validate=validate.Length(max=100))}
NATION = validate.OneOf(NATIONS, error="unknown nation {input!r}: one of {choices}")


class AdviceQuestionSchema(CommandSchema):
    """The fields match, explain_statement and preview_statement share."""

    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))
    answers = fields.Dict(required=True, **ANSWERS)
    # Facts derived from the answers (shared.law.derived_facts), as enquiry.submitted carries.
    derived = fields.Dict(load_default=dict, **ANSWERS)
    nation = fields.String(load_default="england", validate=NATION)
    on_date = fields.Date(load_default=None, allow_none=True)


class MatchRequestSchema(AdviceQuestionSchema):
    command = commands.MatchStatements

    # True: {statements, failed} instead of the statements alone (docs/rpc.md).
    report_failed = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class WhyRequestSchema(AdviceQuestionSchema):
    command = commands.ExplainStatement

    statement_key = fields.String(required=True, validate=validate.Length(min=1, max=100))


class StatementInputSchema(RequestSchema):
    key = fields.String(
        required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,99}$", error="kebab-case")
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    section = fields.String(required=True, validate=validate.Length(min=1, max=50))
    priority = fields.Integer(load_default=100, strict=True)
    workflows = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    when = fields.Raw(load_default=True)
    effective_from = fields.Date(load_default=None, allow_none=True)
    effective_to = fields.Date(load_default=None, allow_none=True)
    # Required, but checked with the rest of the statement (domain.check_statement), so that a
    # missing one is named like every other rule: statement[<key>].source.
    nations = fields.List(fields.String(validate=validate.Length(max=20)), load_default=None)
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    reviewed_on = fields.Date(load_default=None, allow_none=True)


class SaveStatementSchema(CommandSchema):
    command = commands.SaveStatement

    statement = fields.Nested(StatementInputSchema, required=True)
    template_key = fields.String(
        load_default="housing-options-enquiry", validate=validate.Length(min=1, max=100)
    )
    actor = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PreviewStatementSchema(AdviceQuestionSchema):
    command = commands.PreviewStatement

    statement = fields.Nested(StatementInputSchema, required=True)
    template_key = fields.String(
        load_default="housing-options-enquiry", validate=validate.Length(min=1, max=100)
    )


class EnquirySubmittedData(EventDataSchema):
    """enquiry.submitted version 2 (a version 1 event is upcast first): what matching uses."""

    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))
    answers = fields.Dict(required=True)
    derived = fields.Dict(required=True)
    nation = fields.String(required=True, validate=NATION)
    submitted_at = fields.AwareDateTime(required=True)


def submitted_enquiry(event: Envelope) -> dict[str, Any]:
    """An enquiry.submitted event's data in the newest shape, whichever version was published
    (shared.contracts); a bad or unknown one is a ValidationFailed (parked)."""
    return load_event_data(event, EnquirySubmittedData())


class MatchedStatementSchema(Schema):
    key = fields.String()
    version = fields.Integer()
    title = fields.String()
    section = fields.String()
    body = fields.String()
    # What the statement's law is, and where it comes from: for the pack and the officer.
    nations = fields.List(fields.String())
    effective_from = fields.Date()
    effective_to = fields.Date()
    source = fields.String()
    reviewed_on = fields.Date()


class StatementSchema(MatchedStatementSchema):
    priority = fields.Integer()
    workflows = fields.List(fields.String())
    when = fields.Raw(attribute="condition")
    created_at = fields.AwareDateTime()
    created_by = fields.String()


class WorkflowSchema(Schema):
    key = fields.String()
    title = fields.String()
    sections = fields.List(fields.String())


STATEMENT_ARGS = arguments_schema(
    key=fields.String(required=True, validate=validate.Length(min=1, max=100))
)
LIST_ARGS = arguments_schema(
    workflow=fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
)
