"""What the documents service accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.documents import commands
from shared.validation import CommandSchema, EventDataSchema, arguments_schema


class EnquirySubmittedData(EventDataSchema):
    """Version 2 (shared.envelope.load_event_data brings version 1 up to it)."""

    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    answers = fields.Dict(required=True)
    roles = fields.Dict(required=True)
    derived = fields.Dict(required=True)


class CaseOpenedData(EventDataSchema):
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    reference = fields.String(required=True, validate=validate.Length(min=1, max=20))
    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    workflow = fields.String(required=True)
    # Added to case.opened with identities: absent from events published before.
    team = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))


class SectionData(EventDataSchema):
    key = fields.String(required=True)
    title = fields.String(required=True)


class StatementData(EventDataSchema):
    key = fields.String(required=True)
    version = fields.Integer(required=True, strict=True)
    title = fields.String(required=True)
    section = fields.String(required=True)
    body = fields.String(required=True, validate=validate.Length(max=50_000))


class AdviceMatchedData(EventDataSchema):
    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    workflow = fields.String(required=True)
    workflow_title = fields.String(required=True)
    sections = fields.List(fields.Nested(SectionData), required=True)
    statements = fields.List(fields.Nested(StatementData), required=True)


class PlannedTask(EventDataSchema):
    name = fields.String(required=True)
    customer_facing = fields.Boolean(required=True)
    due_at = fields.String(allow_none=True, load_default=None)


class TaskPlanData(EventDataSchema):
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    tasks = fields.List(fields.Nested(PlannedTask), required=True)


class DocumentSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    case_reference = fields.String()
    kind = fields.String()
    version = fields.Integer()
    media_type = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    template_version = fields.String()
    statement_versions = fields.List(fields.String())
    # Statements left out because they failed their render budget: officers are to check them.
    omitted_statements = fields.Function(lambda document: document.omitted_statements or [])
    html_sha256 = fields.String()
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    # Set once this version's files were deleted (only the last versions keep theirs).
    files_removed_at = fields.AwareDateTime()


DOCUMENT_ARGS = arguments_schema(
    document_id=fields.String(required=True, validate=validate.Length(min=1, max=36)),
    edition=fields.String(load_default="pdf", validate=validate.OneOf(["pdf", "html"])),
)


class RegenerateSchema(CommandSchema):
    command = commands.Regenerate

    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    kind = fields.String(required=True, validate=validate.Length(min=1, max=50))
    actor = fields.String(required=True, validate=validate.Length(min=1, max=100))


CASE_ARGS = arguments_schema(
    case_id=fields.String(required=True, validate=validate.Length(min=1, max=36))
)
