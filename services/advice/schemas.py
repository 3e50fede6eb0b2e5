"""What the advice service accepts and returns."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from shared.validation import arguments_schema

ANSWERS = {"keys": fields.String(validate=validate.Length(max=100))}


class _Request(Schema):
    class Meta:
        unknown = RAISE


class MatchRequestSchema(_Request):
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))
    answers = fields.Dict(required=True, **ANSWERS)
    on_date = fields.Date(load_default=None, allow_none=True)


class WhyRequestSchema(MatchRequestSchema):
    statement_key = fields.String(required=True, validate=validate.Length(min=1, max=100))


class StatementInputSchema(_Request):
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


class SaveStatementSchema(_Request):
    statement = fields.Nested(StatementInputSchema, required=True)
    template_key = fields.String(
        load_default="housing-options-enquiry", validate=validate.Length(min=1, max=100)
    )
    actor = fields.String(required=True, validate=validate.Length(min=1, max=100))


class EnquirySubmittedData(Schema):
    class Meta:
        unknown = EXCLUDE

    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))
    answers = fields.Dict(required=True)


class MatchedStatementSchema(Schema):
    key = fields.String()
    version = fields.Integer()
    title = fields.String()
    section = fields.String()
    body = fields.String()


class StatementSchema(MatchedStatementSchema):
    priority = fields.Integer()
    workflows = fields.List(fields.String())
    when = fields.Raw(attribute="condition")
    effective_from = fields.Date()
    effective_to = fields.Date()
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
