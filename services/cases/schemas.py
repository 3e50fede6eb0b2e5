"""What the cases service accepts (event data, RPC arguments) and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.cases import commands, duties, lifecycle
from shared.law import NATIONS
from shared.validation import CommandSchema, EventDataSchema, RequestSchema, arguments_schema


class EnquirySubmittedData(EventDataSchema):
    """enquiry.submitted in its newest shape (shared.contracts upcasts older versions)."""

    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))
    answers = fields.Dict(required=True)
    nation = fields.String(required=True, validate=validate.OneOf(NATIONS))
    roles = fields.Dict(required=True)
    suggested_duty = fields.String(
        required=True, validate=validate.OneOf(["prevention", "relief", "none"])
    )
    notice_check = fields.Dict(required=True, allow_none=True)


class WorkflowChangedData(EventDataSchema):
    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    previous_workflow = fields.String(required=True)
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))
    reason = fields.String(required=True)
    changed_by = fields.String(required=True)


class MatchedStatement(EventDataSchema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    section = fields.String(required=True)


class AdviceMatchedData(EventDataSchema):
    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    workflow = fields.String(required=True)
    statements = fields.List(fields.Nested(MatchedStatement), required=True)
    matched_at = fields.AwareDateTime(required=True)


class TaskData(EventDataSchema):
    task_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    key = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    owner = fields.String(allow_none=True, load_default=None)
    customer_facing = fields.Boolean(load_default=False)
    activate_at = fields.AwareDateTime(allow_none=True, load_default=None)
    due_at = fields.AwareDateTime(allow_none=True, load_default=None)
    revision = fields.Integer(required=True, strict=True)


class TaskEventData(EventDataSchema):
    task = fields.Nested(TaskData, required=True)


class DocumentGeneratedData(EventDataSchema):
    document_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    kind = fields.String(required=True)
    version = fields.Integer(required=True, strict=True)
    sha256 = fields.String(required=True, validate=validate.Length(equal=64))
    size = fields.Integer(required=True, strict=True)
    generated_at = fields.AwareDateTime(required=True)


class AuditData(EventDataSchema):
    actor = fields.String(required=True, validate=validate.Length(min=1, max=100))
    action = fields.String(required=True, validate=validate.Length(min=1, max=100))
    entity_type = fields.String(required=True, validate=validate.Length(min=1, max=50))
    entity_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    case_id = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=36))
    before = fields.Dict(allow_none=True, load_default=None)
    after = fields.Dict(allow_none=True, load_default=None)
    occurred_at = fields.AwareDateTime(required=True)


class CaseSchema(Schema):
    id = fields.String()
    reference = fields.String()
    enquiry_id = fields.String()
    correlation_id = fields.String()
    workflow = fields.String()
    status = fields.String()
    stage = fields.String()
    owner = fields.String()
    team = fields.String()
    applicant_name = fields.String()
    applicant_postcode = fields.String()
    nation = fields.String()
    suggested_duty = fields.String()
    referred_by = fields.String()
    referral_consent = fields.Boolean()
    priority_need = fields.Boolean()
    intentionally_homeless = fields.Boolean()
    outcome = fields.String()
    outcome_reason = fields.String()
    opened_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class NoteSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    author = fields.String()
    created_at = fields.AwareDateTime()


class AdviceSummarySchema(Schema):
    workflow = fields.String()
    statements = fields.List(fields.Dict())
    matched_at = fields.AwareDateTime()


class TaskSummarySchema(Schema):
    task_id = fields.String()
    key = fields.String()
    name = fields.String()
    status = fields.String()
    owner = fields.String()
    customer_facing = fields.Boolean()
    activate_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime()


class DocumentSummarySchema(Schema):
    document_id = fields.String()
    kind = fields.String()
    version = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    generated_at = fields.AwareDateTime()


class AuditEntrySchema(Schema):
    sequence = fields.Integer()
    hash = fields.String()
    event_id = fields.String()
    source = fields.String()
    actor = fields.String()
    action = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    case_id = fields.String()
    before = fields.Dict()
    after = fields.Dict()
    occurred_at = fields.AwareDateTime()


CASE_ARGS = arguments_schema(
    reference=fields.String(required=True, validate=validate.Length(min=1, max=36))
)
CASE_ID_ARGS = arguments_schema(
    case_id=fields.String(required=True, validate=validate.Length(min=1, max=36))
)
TIMELINE_ARGS = arguments_schema(
    case_id=fields.String(required=True, validate=validate.Length(min=1, max=36)),
    page=fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1)
    ),
    page_size=fields.Integer(
        load_default=100, allow_none=True, strict=True, validate=validate.Range(min=1, max=500)
    ),
)
ENQUIRY_ARGS = arguments_schema(
    enquiry_id=fields.String(required=True, validate=validate.Length(min=1, max=36))
)


class _Request(CommandSchema):
    """A request about one case, by whom."""

    case = fields.String(required=True, validate=validate.Length(min=1, max=36))
    actor = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ChangeStageSchema(_Request):
    command = commands.ChangeStage

    stage = fields.String(required=True, validate=validate.OneOf(lifecycle.STAGES))
    # The day the council was first satisfied (prevention, relief); earlier than today needs a
    # reason; never in the future or before the enquiry.
    duty_start_on = fields.Date(load_default=None, allow_none=True)
    duty_start_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=3, max=2000)
    )
    # s.189B(4): relief ends by itself only with priority need and no intentionality found.
    priority_need = fields.Boolean(load_default=None, allow_none=True, truthy={True}, falsy={False})
    intentionally_homeless = fields.Boolean(
        load_default=None, allow_none=True, truthy={True}, falsy={False}
    )
    decision_notified_on = fields.Date(load_default=None, allow_none=True)
    review_type = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(lifecycle.REVIEW_CATEGORIES)
    )
    # A longer review window or review decision period, allowed or agreed in writing.
    agreed_days = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=730)
    )
    agreed_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=3, max=2000)
    )


class CloseCaseSchema(_Request):
    command = commands.CloseCase

    outcome = fields.String(required=True, validate=validate.OneOf(lifecycle.OUTCOMES))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class ReopenCaseSchema(_Request):
    command = commands.ReopenCase

    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class AssignCaseSchema(_Request):
    command = commands.AssignCase

    owner = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^(officer|team):[A-Za-z0-9_.-]{1,90}$", error="officer:<id> or team:<name>"
        ),
    )


class AddNoteSchema(_Request):
    command = commands.AddNote

    text = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    request_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=8, max=64)
    )


class SearchCasesSchema(RequestSchema):
    owner = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "closed"]))
    stage = fields.String(load_default=None, validate=validate.OneOf(lifecycle.STAGES))
    reference = fields.String(load_default=None, validate=validate.Length(max=20))
    name = fields.String(load_default=None, validate=validate.Length(min=2, max=200))
    # A whole postcode, or its start (at least the outward code's first two characters).
    postcode = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^\s*[A-Za-z0-9]{2,4}(\s*[A-Za-z0-9]{1,3})?\s*$", error="a postcode, or its start"
        ),
    )
    clock_due_by = fields.Date(load_default=None)
    page = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1))
    page_size = fields.Integer(
        load_default=20, strict=True, validate=validate.Range(min=1, max=100)
    )


VIEW_ARGS = arguments_schema(
    reference=fields.String(required=True, validate=validate.Length(min=1, max=36)),
    actor=fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100)),
)


class EndDutySchema(_Request):
    command = commands.EndDuty

    ground = fields.String(required=True, validate=validate.Length(min=1, max=60))
    # The day the applicant was notified in writing: the review window begins with it.
    notified_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=4000))
    # A non-cooperation ending names the authorised s.193B notice.
    notice = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))


class PlanDecisionSchema(_Request):
    command = commands.RecordPlanDecision

    notified_on = fields.Date(required=True)


class ProposeNonCooperationSchema(_Request):
    command = commands.ProposeNonCooperationNotice

    grade = fields.String(required=True, validate=validate.OneOf(duties.GRADES))
    warning_given_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=4000))


class AuthoriseNonCooperationSchema(_Request):
    command = commands.AuthoriseNonCooperationNotice

    notice = fields.String(required=True, validate=validate.Length(min=1, max=36))
    grade = fields.String(required=True, validate=validate.OneOf(duties.GRADES))


class RecordFindingsSchema(_Request):
    command = commands.RecordFindings

    priority_need = fields.Boolean(load_default=None, allow_none=True, truthy={True}, falsy={False})
    intentionally_homeless = fields.Boolean(
        load_default=None, allow_none=True, truthy={True}, falsy={False}
    )
    reason = fields.String(required=True, validate=validate.Length(min=3, max=4000))


class CorrectClockStartSchema(_Request):
    command = commands.CorrectClockStart

    clock = fields.String(
        required=True, validate=validate.OneOf(sorted(lifecycle.DUTY_CLOCK.values()))
    )
    starts_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=4000))


LAW_CHANGE_ARGS = arguments_schema(
    nation=fields.String(required=True, validate=validate.Length(min=1, max=20)),
    on=fields.Date(required=True),
)
