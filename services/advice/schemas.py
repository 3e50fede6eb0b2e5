"""What the advice service accepts and returns."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate


class MatchRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=100)), required=True)
    on_date = fields.Date(load_default=None, allow_none=True)


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


class WorkflowSchema(Schema):
    key = fields.String()
    title = fields.String()
    sections = fields.List(fields.String())
