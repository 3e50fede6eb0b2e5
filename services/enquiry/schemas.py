"""What the enquiry service accepts over RPC and returns."""

from __future__ import annotations

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from services.enquiry import commands
from shared.validation import CommandSchema, arguments_schema

KEY = validate.Length(min=1, max=100)
ACTOR = validate.Length(min=1, max=100)
REQUEST_ID = validate.Length(min=8, max=64)
# More answers than any form has questions is not a form being filled in: refused before the
# keys are looked at, so the error names the field once instead of once per key.
MAX_ANSWERS = 500


class Answers(fields.Dict):
    """A form's answers by question key, at most ``MAX_ANSWERS`` of them."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.Length(max=100)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict) and len(value) > MAX_ANSWERS:
            raise ValidationError(f"at most {MAX_ANSWERS} answers ({len(value)} sent)")
        return super()._deserialize(value, attr, data, **kwargs)


class StartEnquirySchema(CommandSchema):
    command = commands.StartEnquiry

    template_key = fields.String(required=True, validate=KEY)
    template_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    prefill_from_enquiry = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=36)
    )
    request_id = fields.String(load_default=None, allow_none=True, validate=REQUEST_ID)
    actor = fields.String(load_default="customer", validate=ACTOR)


class SaveAnswersSchema(CommandSchema):
    command = commands.SaveAnswers

    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    answers = Answers(required=True)
    actor = fields.String(load_default="customer", validate=ACTOR)


class SubmitEnquirySchema(CommandSchema):
    command = commands.SubmitEnquiry

    enquiry_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36))
    template_key = fields.String(load_default=None, validate=KEY)
    template_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    answers = Answers(load_default=None)
    workflow = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    workflow_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=2000)
    )
    request_id = fields.String(load_default=None, allow_none=True, validate=REQUEST_ID)
    actor = fields.String(load_default="customer", validate=ACTOR)

    @validates_schema(skip_on_field_errors=False)
    def draft_or_whole_enquiry(self, data: dict, **_kwargs: object) -> None:
        if data.get("enquiry_id") and data.get("template_key"):
            raise ValidationError("give enquiry_id (a draft) or template_key, not both", "_schema")
        if data.get("enquiry_id") and data.get("request_id"):
            raise ValidationError(
                "a draft is already identified by enquiry_id; request_id is for new enquiries",
                "request_id",
            )
        if not data.get("enquiry_id"):
            missing = [f for f in ("template_key", "answers") if data.get(f) is None]
            if missing:
                raise ValidationError({f: ["required unless enquiry_id is given"] for f in missing})

    @validates_schema
    def officer_choice_needs_reason(self, data: dict, **_kwargs: object) -> None:
        if data.get("workflow") and not (data.get("workflow_reason") or "").strip():
            raise ValidationError(
                "a reason is required when an officer chooses the workflow", "workflow_reason"
            )


class ChangeWorkflowSchema(CommandSchema):
    command = commands.ChangeWorkflow

    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))
    actor = fields.String(required=True, validate=ACTOR)


class PublishTemplateSchema(CommandSchema):
    command = commands.PublishTemplate

    definition = fields.Dict(required=True)
    actor = fields.String(required=True, validate=ACTOR)


class EnquirySchema(Schema):
    id = fields.String()
    template_key = fields.String()
    template_version = fields.Integer()
    status = fields.String()
    answers = fields.Dict()
    workflow = fields.String()
    workflow_source = fields.String()
    workflow_reason = fields.String()
    correlation_id = fields.String()
    prefilled_from = fields.String()
    request_id = fields.String()
    nation = fields.String()
    suggested_duty = fields.String()
    notice_check = fields.Dict()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    submitted_at = fields.AwareDateTime()


class TemplateSummarySchema(Schema):
    key = fields.String()
    version = fields.Integer()
    title = fields.String()
    published_at = fields.AwareDateTime()
    published_by = fields.String()


TEMPLATE_ARGS = arguments_schema(
    key=fields.String(required=True, validate=KEY),
    version=fields.Integer(allow_none=True, strict=True),
)
ENQUIRY_ARGS = arguments_schema(
    enquiry_id=fields.String(required=True, validate=validate.Length(min=1, max=36))
)
