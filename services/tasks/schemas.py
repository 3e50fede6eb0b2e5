"""What the tasks service accepts and returns."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from services.tasks import commands
from services.tasks.domain import DUTIES, STATUSES, UNITS, Lag
from shared.clock import isoformat
from shared.validation import CommandSchema, EventDataSchema, RequestSchema


class CaseOpenedData(EventDataSchema):
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    reference = fields.String(required=True, validate=validate.Length(min=1, max=20))
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))
    opened_at = fields.DateTime(load_default=None)
    # Not in case.opened version 1 as first published: the council's nation is used without it.
    nation = fields.String(load_default=None, validate=validate.Length(min=1, max=20))
    # Added to case.opened with identities: absent from events published before.
    team = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))


class ClockData(EventDataSchema):
    """A statutory clock as case events carry it (docs/events.md); only what anchoring needs."""

    kind = fields.String(required=True, validate=validate.Length(min=1, max=60))
    starts_on = fields.Date(required=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    day_after = fields.Date(load_default=None, allow_none=True)


# The case stages of docs/case-lifecycle.md: an event naming another is parked, not guessed at.
CASE_STAGES = (
    "triage",
    "assessment",
    "prevention",
    "relief",
    "main_duty_decision",
    "review",
    "closed",
)


class _CaseData(EventDataSchema):
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class _CaseEventData(_CaseData):
    stage = fields.String(required=True, validate=validate.OneOf(CASE_STAGES))


class StageChangedData(_CaseEventData):
    previous_stage = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(CASE_STAGES)
    )
    clocks = fields.List(fields.Nested(ClockData), load_default=list)


class CaseClosedData(_CaseEventData):
    previous_stage = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(CASE_STAGES)
    )
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class CaseReopenedData(_CaseEventData):
    clocks = fields.List(fields.Nested(ClockData), load_default=list)


class ClockCorrectedData(_CaseData):
    clock = fields.Nested(ClockData, required=True)


class DutyEndedData(_CaseData):
    duty = fields.String(required=True, validate=validate.OneOf(DUTIES))
    ground = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))


class WorkflowChangedData(EventDataSchema):
    enquiry_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    workflow = fields.String(required=True, validate=validate.Length(min=1, max=50))


ACTOR = fields.String(required=True, validate=validate.Length(min=1, max=100))
# The most editions one page of ``list_frameworks`` holds.
MAX_FRAMEWORK_PAGE = 100
OWNER = validate.Regexp(
    r"^(officer|team|role):[A-Za-z0-9_.-]{1,90}$", error="officer:<id>, team:<name> or role:<name>"
)


class CaseAssignedData(_CaseData):
    # officer:<id> or team:<name> (the cases service's assign_case), the owner its tasks take.
    owner = fields.String(required=True, validate=OWNER)


class ListTasksSchema(CommandSchema):
    command = commands.ListTasks

    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class _TaskActionSchema(CommandSchema):
    task_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    actor = ACTOR


class StartTaskSchema(_TaskActionSchema):
    command = commands.StartTask


class ReleaseTaskSchema(_TaskActionSchema):
    command = commands.ReleaseTask


class CompleteTaskSchema(_TaskActionSchema):
    command = commands.CompleteTask

    outcome = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class _ReasonedActionSchema(_TaskActionSchema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class HoldTaskSchema(_ReasonedActionSchema):
    command = commands.HoldTask


class CancelTaskSchema(_ReasonedActionSchema):
    command = commands.CancelTask


class ReassignTaskSchema(_TaskActionSchema):
    command = commands.ReassignTask

    owner = fields.String(required=True, validate=OWNER)


class LagSchema(RequestSchema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10_000))
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))

    @post_load
    def build_lag(self, data: dict[str, Any], **_: Any) -> Lag:
        return Lag(data["amount"], data["unit"])


class AddTaskSchema(CommandSchema):
    command = commands.AddTask

    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    owner = fields.String(required=True, validate=OWNER)
    due_in = fields.Nested(LagSchema, required=True)
    customer_facing = fields.Boolean(load_default=False)
    # Idempotency key: the same key on the same case answers with the task it added.
    request_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=8, max=64), validate.Regexp(r"^[A-Za-z0-9._:-]+$")],
    )
    actor = ACTOR


class FindTasksSchema(CommandSchema):
    command = commands.FindTasks

    owner = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    due_today = fields.Boolean(load_default=False)
    overdue = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1))
    page_size = fields.Integer(
        load_default=20, strict=True, validate=validate.Range(min=1, max=100)
    )


class AddClosureDaySchema(CommandSchema):
    command = commands.AddClosureDay

    day = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
    actor = ACTOR


class ListFrameworksSchema(CommandSchema):
    command = commands.ListFrameworks

    workflow = fields.String(load_default=None, validate=validate.Length(min=1, max=50))
    page = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1))
    page_size = fields.Integer(
        load_default=20, strict=True, validate=validate.Range(min=1, max=MAX_FRAMEWORK_PAGE)
    )


class LoadFrameworksSchema(CommandSchema):
    command = commands.LoadFrameworks

    # Checked as a whole by ``frameworks.parse_document`` (every problem by its path).
    document = fields.Dict(required=True)
    actor = ACTOR


class FrameworkSummarySchema(Schema):
    """One stored edition as the admin lists see it: its dates and how many tasks each part
    starts, not the tasks themselves."""

    id = fields.String()
    workflow = fields.String()
    nations = fields.List(fields.String())
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    version = fields.Integer()
    origin = fields.String()
    updated_at = fields.Function(lambda edition: isoformat(edition.updated_at))
    task_count = fields.Method("_task_count")
    duty_task_counts = fields.Method("_duty_task_counts")

    def _task_count(self, edition: Any) -> int:
        return len(edition.tasks or [])

    def _duty_task_counts(self, edition: Any) -> dict[str, int]:
        return {duty: len(tasks or []) for duty, tasks in sorted((edition.on_duty or {}).items())}
