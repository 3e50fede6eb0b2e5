"""What the enquiry service accepts over RPC and returns."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from shared.validation import arguments_schema


class SubmitEnquirySchema(Schema):
    class Meta:
        unknown = RAISE

    template_key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    template_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=100)), required=True)
    workflow = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    workflow_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=2000)
    )
    actor = fields.String(load_default="customer", validate=validate.Length(min=1, max=100))

    @validates_schema
    def officer_choice_needs_reason(self, data: dict, **_kwargs: object) -> None:
        if data.get("workflow") and not (data.get("workflow_reason") or "").strip():
            raise ValidationError(
                "a reason is required when an officer chooses the workflow", "workflow_reason"
            )


class EnquirySchema(Schema):
    id = fields.String()
    template_key = fields.String()
    template_version = fields.Integer()
    status = fields.String()
    answers = fields.Dict()
    workflow = fields.String()
    workflow_source = fields.String()
    correlation_id = fields.String()
    created_at = fields.DateTime()
    submitted_at = fields.DateTime()


TEMPLATE_ARGS = arguments_schema(
    key=fields.String(required=True, validate=validate.Length(min=1, max=100)),
    version=fields.Integer(allow_none=True, strict=True),
)
ENQUIRY_ARGS = arguments_schema(
    enquiry_id=fields.String(required=True, validate=validate.Length(max=36))
)
