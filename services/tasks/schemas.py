"""What the tasks service accepts and returns."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from shared.validation import arguments_schema


class CaseOpenedData(Schema):
    class Meta:
        unknown = EXCLUDE

    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    reference = fields.String(required=True, validate=validate.Length(min=1, max=20))
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))


class CompleteTaskSchema(Schema):
    class Meta:
        unknown = RAISE

    task_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    outcome = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    actor = fields.String(required=True, validate=validate.Length(min=1, max=100))


CASE_ARGS = arguments_schema(
    case_id=fields.String(required=True, validate=validate.Length(min=1, max=36))
)
