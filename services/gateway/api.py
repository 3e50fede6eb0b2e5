"""The JSON API, ``/api/v1``: resources over the services' RPCs (docs/rpc.md has what each one
checks and returns). Every route needs someone signed in; what they may do is the services'
decision, made from the identity token the gateway mints for them (docs/security.md).

``Idempotency-Key`` on a POST that creates something (an enquiry, a whole-enquiry submission, a
note, a task) is passed to the service as its ``request_id``: the same key again answers with
what the first request made. Submitting a draft needs none: a draft is submitted once, and
submitting it again answers with that submission.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from services.gateway import repository
from services.gateway.context import Gateway, gateway_of, signed_in
from services.gateway.errors import PROBLEM_RESPONSES, ApiProblem
from services.gateway.principal import Principal
from shared.clock import utcnow
from shared.errors import NotFound

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
Json = dict[str, Any]
Me = Annotated[Principal, Depends(signed_in)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[A-Za-z0-9._:-]{8,64}$",
        description="Makes the request safe to repeat: the same key answers with the same result."
        " 8-64 letters, digits and . _ : -",
    ),
]
CaseRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=36,
        description="A case reference (HO-2026-000001) or a case id.",
    ),
]
EnquiryId = Annotated[str, Path(min_length=1, max_length=36)]
TaskId = Annotated[str, Path(min_length=1, max_length=36)]
Key = Annotated[str, Path(min_length=1, max_length=100)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _iso_date_only(value: Any) -> Any:
    # JSON has no dates: a day is a "YYYY-MM-DD" string, never a number of seconds.
    if not isinstance(value, str | date):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_date_only)]


def _gw(request: Request) -> Gateway:
    return gateway_of(request)


# --- enquiries and templates -------------------------------------------------------------------


class StartEnquiry(Body):
    template_key: str = Field(min_length=1, max_length=100)
    template_version: int | None = None
    prefill_from_enquiry: str | None = Field(default=None, min_length=1, max_length=36)


class Answers(Body):
    answers: dict[str, Any]


class Submission(Body):
    answers: dict[str, Any] | None = Field(
        default=None, description="Final answers, merged over the saved ones."
    )


class WholeSubmission(Body):
    template_key: str = Field(min_length=1, max_length=100)
    template_version: int | None = None
    answers: dict[str, Any]
    workflow: str | None = Field(
        default=None, max_length=50, description="An officer's choice of workflow."
    )
    workflow_reason: str | None = Field(default=None, max_length=2000)


class WorkflowChange(Body):
    workflow: str = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=3, max_length=2000)


async def _remember(request: Request, me: Principal, enquiry: Json) -> None:
    """A customer's enquiry is theirs from now on: their tokens name it."""
    if me.is_customer and isinstance(enquiry, dict) and enquiry.get("id"):
        await _gw(request).store.run(
            repository.record_customer_enquiry, me.subject, str(enquiry["id"]), utcnow()
        )


@router.get("/templates", tags=["templates"], summary="Every question template (officers)")
async def list_templates(request: Request, me: Me) -> list[Json]:
    return await _gw(request).call(me, "enquiry", "list_templates")


@router.get("/templates/{key}", tags=["templates"], summary="The current version of a template")
async def get_template(
    request: Request,
    me: Me,
    key: Key,
    version: Annotated[int | None, Query(ge=1, le=100000)] = None,
) -> Json:
    return await _gw(request).call(me, "enquiry", "get_template", key, version)


@router.post("/templates", tags=["templates"], status_code=201, summary="Publish a template")
async def publish_template(request: Request, me: Me, definition: Json) -> Json:
    return await _gw(request).call(me, "enquiry", "publish_template", {"definition": definition})


@router.post("/enquiries", tags=["enquiries"], status_code=201, summary="Start an enquiry")
async def start_enquiry(
    request: Request, me: Me, body: StartEnquiry, idempotency_key: IdempotencyKey = None
) -> Json:
    command = body.model_dump(exclude_none=True) | {"request_id": idempotency_key}
    enquiry = await _gw(request).call(me, "enquiry", "start_enquiry", command)
    await _remember(request, me, enquiry)
    return enquiry


@router.get("/enquiries/{enquiry_id}", tags=["enquiries"], summary="An enquiry (audited)")
async def get_enquiry(request: Request, me: Me, enquiry_id: EnquiryId) -> Json:
    return await _gw(request).call(me, "enquiry", "get_enquiry", enquiry_id)


@router.put("/enquiries/{enquiry_id}/answers", tags=["enquiries"], summary="Save answers")
async def save_answers(request: Request, me: Me, enquiry_id: EnquiryId, body: Answers) -> Json:
    command = {"enquiry_id": enquiry_id, "answers": body.answers}
    return await _gw(request).call(me, "enquiry", "save_answers", command)


@router.post("/enquiries/{enquiry_id}/submission", tags=["enquiries"], summary="Submit")
async def submit_enquiry(
    request: Request, me: Me, enquiry_id: EnquiryId, body: Submission | None = None
) -> Json:
    gateway = _gw(request)
    await gateway.limit(request, "submission", gateway.settings.rate_limit_submission, me.subject)
    command: Json = {"enquiry_id": enquiry_id}
    if body is not None and body.answers is not None:
        command["answers"] = body.answers
    return await gateway.call(me, "enquiry", "submit_enquiry", command)


@router.post(
    "/enquiry-submissions",
    tags=["enquiries"],
    status_code=201,
    summary="Submit a whole enquiry in one request",
)
async def submit_whole_enquiry(
    request: Request, me: Me, body: WholeSubmission, idempotency_key: IdempotencyKey = None
) -> Json:
    """For systems and officers that have every answer at once: no draft."""
    gateway = _gw(request)
    await gateway.limit(request, "submission", gateway.settings.rate_limit_submission, me.subject)
    command = body.model_dump(exclude_none=True) | {"request_id": idempotency_key}
    enquiry = await gateway.call(me, "enquiry", "submit_enquiry", command)
    await _remember(request, me, enquiry)
    return enquiry


@router.put("/enquiries/{enquiry_id}/workflow", tags=["enquiries"], summary="Change workflow")
async def change_workflow(
    request: Request, me: Me, enquiry_id: EnquiryId, body: WorkflowChange
) -> Json:
    command = {"enquiry_id": enquiry_id, **body.model_dump()}
    return await _gw(request).call(me, "enquiry", "change_workflow", command)


@router.get("/enquiries/{enquiry_id}/case", tags=["enquiries"], summary="The enquiry's case")
async def case_of_enquiry(request: Request, me: Me, enquiry_id: EnquiryId) -> Json:
    gateway = _gw(request)
    case = await gateway.call(me, "cases", "get_case_for_enquiry", enquiry_id)
    if me.is_customer and isinstance(case, dict) and case.get("id"):
        await gateway.store.run(
            repository.record_customer_enquiry, me.subject, enquiry_id, utcnow(), case["id"]
        )
    return case


@router.get("/me/enquiries", tags=["me"], summary="A customer's own enquiries and cases")
async def my_enquiries(request: Request, me: Me) -> list[Json]:
    """Each enquiry the customer started here, newest first, with its case once it has one."""
    gateway = _gw(request)
    if not me.is_customer:
        return []
    mine = []
    for enquiry_id, case_id in await gateway.store.run(repository.customer_enquiries, me.subject):
        enquiry = await gateway.call(me, "enquiry", "get_enquiry", enquiry_id)
        case = None
        if enquiry.get("status") == "submitted":
            try:
                case = await gateway.call(me, "cases", "get_case_for_enquiry", enquiry_id)
            except NotFound:
                case = None  # opened a moment after submission
            if case and not case_id:
                await gateway.store.run(
                    repository.record_customer_enquiry,
                    me.subject,
                    enquiry_id,
                    utcnow(),
                    case["id"],
                )
        mine.append({"enquiry": enquiry, "case": case})
    return mine


# --- cases ------------------------------------------------------------------------------------


class StageChange(Body):
    stage: str = Field(min_length=1, max_length=30)
    duty_start_on: Day | None = None
    duty_start_reason: str | None = Field(default=None, max_length=2000)
    priority_need: bool | None = None
    intentionally_homeless: bool | None = None
    decision_notified_on: Day | None = None
    review_type: str | None = Field(default=None, max_length=50)
    agreed_days: int | None = Field(default=None, ge=1, le=3650)
    agreed_reason: str | None = Field(default=None, max_length=2000)


class DutyEnding(Body):
    ground: str = Field(min_length=1, max_length=60)
    notified_on: Day
    reason: str = Field(min_length=1, max_length=2000)
    notice: str | None = Field(default=None, max_length=36)


class PlanDecision(Body):
    notified_on: Day


Grade = Literal["officer", "senior_officer", "team_leader", "service_manager", "head_of_service"]


class NoticeProposal(Body):
    grade: Grade
    warning_given_on: Day
    reason: str = Field(min_length=1, max_length=2000)


class NoticeAuthorisation(Body):
    grade: Grade


class Findings(Body):
    priority_need: bool | None = None
    intentionally_homeless: bool | None = None
    reason: str = Field(min_length=1, max_length=2000)


class ClockCorrection(Body):
    clock: Literal["prevention_duty", "relief_duty"]
    starts_on: Day
    reason: str = Field(min_length=1, max_length=2000)


class Assignment(Body):
    owner: str = Field(min_length=1, max_length=100, description="officer:<id> or team:<name>")


class Note(Body):
    text: str = Field(min_length=1, max_length=10000)


class Closure(Body):
    outcome: str = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=3, max_length=2000)


class Reopening(Body):
    reason: str = Field(min_length=3, max_length=2000)


def _dates(body: BaseModel) -> Json:
    return body.model_dump(mode="json", exclude_none=True)


@router.get("/cases", tags=["cases"], summary="Find cases (paged, audited)")
async def list_cases(
    request: Request,
    me: Me,
    owner: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    stage: Annotated[str | None, Query(max_length=30)] = None,
    reference: Annotated[str | None, Query(max_length=20)] = None,
    name: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    postcode: Annotated[str | None, Query(min_length=2, max_length=10)] = None,
    clock_due_by: date | None = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Json:
    query = {
        "owner": owner,
        "status": status,
        "stage": stage,
        "reference": reference,
        "name": name,
        "postcode": postcode,
        "clock_due_by": clock_due_by.isoformat() if clock_due_by else None,
        "page": page,
        "page_size": page_size,
    }
    query = {k: v for k, v in query.items() if v is not None}
    return await _gw(request).call(me, "cases", "list_cases", query)


@router.get("/cases/{case}", tags=["cases"], summary="A case (audited)")
async def get_case(request: Request, me: Me, case: CaseRef) -> Json:
    return await _gw(request).call(me, "cases", "get_case", case)


async def _case_command(request: Request, me: Principal, method: str, case: str, body: Json):
    return await _gw(request).call(me, "cases", method, {"case": case, **body})


@router.post("/cases/{case}/stage", tags=["cases"], summary="Move the case to another stage")
async def change_stage(request: Request, me: Me, case: CaseRef, body: StageChange) -> Json:
    return await _case_command(request, me, "change_stage", case, _dates(body))


@router.post("/cases/{case}/duty-endings", tags=["cases"], summary="End the running duty")
async def end_duty(request: Request, me: Me, case: CaseRef, body: DutyEnding) -> Json:
    return await _case_command(request, me, "end_duty", case, _dates(body))


@router.post("/cases/{case}/plan-decisions", tags=["cases"], summary="Plan steps notified")
async def record_plan_decision(request: Request, me: Me, case: CaseRef, body: PlanDecision) -> Json:
    return await _case_command(request, me, "record_plan_decision", case, _dates(body))


@router.post(
    "/cases/{case}/non-cooperation-notices", tags=["cases"], summary="Propose a s.193B notice"
)
async def propose_notice(request: Request, me: Me, case: CaseRef, body: NoticeProposal) -> Json:
    return await _case_command(request, me, "propose_non_cooperation_notice", case, _dates(body))


@router.post(
    "/cases/{case}/non-cooperation-notices/{notice}/authorisation",
    tags=["cases"],
    summary="Authorise a s.193B notice (a second officer)",
)
async def authorise_notice(
    request: Request,
    me: Me,
    case: CaseRef,
    notice: Annotated[str, Path(min_length=1, max_length=36)],
    body: NoticeAuthorisation,
) -> Json:
    command = {"notice": notice, **_dates(body)}
    return await _case_command(request, me, "authorise_non_cooperation_notice", case, command)


@router.post("/cases/{case}/findings", tags=["cases"], summary="Record findings")
async def record_findings(request: Request, me: Me, case: CaseRef, body: Findings) -> Json:
    return await _case_command(request, me, "record_findings", case, _dates(body))


@router.post("/cases/{case}/clock-corrections", tags=["cases"], summary="Correct a clock start")
async def correct_clock(request: Request, me: Me, case: CaseRef, body: ClockCorrection) -> Json:
    return await _case_command(request, me, "correct_clock_start", case, _dates(body))


@router.put("/cases/{case}/owner", tags=["cases"], summary="Assign the case")
async def assign_case(request: Request, me: Me, case: CaseRef, body: Assignment) -> Json:
    return await _case_command(request, me, "assign_case", case, _dates(body))


@router.post("/cases/{case}/notes", tags=["cases"], status_code=201, summary="Add a note")
async def add_note(
    request: Request, me: Me, case: CaseRef, body: Note, idempotency_key: IdempotencyKey = None
) -> Json:
    command = {"text": body.text, "request_id": idempotency_key}
    return await _case_command(request, me, "add_note", case, command)


@router.post("/cases/{case}/closure", tags=["cases"], summary="Close the case")
async def close_case(request: Request, me: Me, case: CaseRef, body: Closure) -> Json:
    return await _case_command(request, me, "close_case", case, _dates(body))


@router.post("/cases/{case}/reopening", tags=["cases"], summary="Reopen the case")
async def reopen_case(request: Request, me: Me, case: CaseRef, body: Reopening) -> Json:
    return await _case_command(request, me, "reopen_case", case, _dates(body))


@router.get("/cases/{case}/timeline", tags=["cases"], summary="The audit trail (audited)")
async def get_timeline(request: Request, me: Me, case: CaseRef) -> list[Json]:
    return await _gw(request).call(me, "cases", "get_timeline", case)


@router.get("/cases/{case}/timeline/verification", tags=["cases"], summary="Check the audit chain")
async def verify_timeline(request: Request, me: Me, case: CaseRef) -> Json:
    return await _gw(request).call(me, "cases", "verify_timeline", case)


@router.get(
    "/cases/{case}/advice/{statement_key}",
    tags=["advice"],
    summary="Why a statement is, or is not, in the case's advice",
)
async def explain_for_case(request: Request, me: Me, case: CaseRef, statement_key: Key) -> Json:
    gateway = _gw(request)
    found = await gateway.call(me, "cases", "get_case", case)
    question = await gateway.case_question(me, found)
    return await gateway.call(
        me, "advice", "explain_statement", {"statement_key": statement_key, **question}
    )


@router.get("/law-changes", tags=["cases"], summary="Open cases a change in law affects")
async def law_change(
    request: Request,
    me: Me,
    nation: Annotated[str, Query(min_length=1, max_length=20)],
    on: date,
) -> Json:
    return await _gw(request).call(
        me, "cases", "cases_affected_by_law_change", nation, on.isoformat()
    )


# --- tasks ------------------------------------------------------------------------------------


class Outcome(Body):
    outcome: str = Field(min_length=1, max_length=2000)


class Reason(Body):
    reason: str = Field(min_length=1, max_length=2000)


class Owner(Body):
    owner: str = Field(min_length=1, max_length=100)


class DueIn(Body):
    amount: int = Field(ge=1, le=10000)
    unit: Literal["minutes", "hours", "days", "working_days", "weeks", "months"]


class NewTask(Body):
    name: str = Field(min_length=1, max_length=300)
    owner: str = Field(min_length=1, max_length=100)
    due_in: DueIn
    customer_facing: bool = False


class ClosureDay(Body):
    day: Day
    reason: str = Field(min_length=1, max_length=500)


@router.get("/tasks", tags=["tasks"], summary="My work (mine=true), or my team's")
async def find_tasks(
    request: Request,
    me: Me,
    mine: bool = False,
    owner: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    due_today: bool = False,
    overdue: bool = False,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Json:
    query: Json = {"page": page, "page_size": page_size}
    if mine:
        owner = me.subject
    for key, value in (("owner", owner), ("status", status)):
        if value is not None:
            query[key] = value
    if due_today:
        query["due_today"] = True
    if overdue:
        query["overdue"] = True
    return await _gw(request).call(me, "tasks", "find_tasks", query)


@router.get("/cases/{case}/tasks", tags=["tasks"], summary="A case's tasks")
async def case_tasks(request: Request, me: Me, case: CaseRef) -> list[Json]:
    case_id = await _case_id(request, me, case)
    return await _gw(request).call(me, "tasks", "list_tasks", case_id)


@router.post("/cases/{case}/tasks", tags=["tasks"], status_code=201, summary="Add a task")
async def add_task(
    request: Request, me: Me, case: CaseRef, body: NewTask, idempotency_key: IdempotencyKey = None
) -> Json:
    case_id = await _case_id(request, me, case)
    command = {"case_id": case_id, **body.model_dump(), "request_id": idempotency_key}
    return await _gw(request).call(me, "tasks", "add_task", command)


async def _task(request: Request, me: Principal, method: str, task_id: str, body: Json) -> Json:
    return await _gw(request).call(me, "tasks", method, {"task_id": task_id, **body})


@router.post("/tasks/{task_id}/start", tags=["tasks"], summary="Start a task")
async def start_task(request: Request, me: Me, task_id: TaskId) -> Json:
    return await _task(request, me, "start_task", task_id, {})


@router.post("/tasks/{task_id}/completion", tags=["tasks"], summary="Complete a task")
async def complete_task(request: Request, me: Me, task_id: TaskId, body: Outcome) -> Json:
    return await _task(request, me, "complete_task", task_id, body.model_dump())


@router.post("/tasks/{task_id}/hold", tags=["tasks"], summary="Put a task on hold")
async def hold_task(request: Request, me: Me, task_id: TaskId, body: Reason) -> Json:
    return await _task(request, me, "hold_task", task_id, body.model_dump())


@router.post("/tasks/{task_id}/release", tags=["tasks"], summary="Release a task from hold")
async def release_task(request: Request, me: Me, task_id: TaskId) -> Json:
    return await _task(request, me, "release_task", task_id, {})


@router.put("/tasks/{task_id}/owner", tags=["tasks"], summary="Reassign a task")
async def reassign_task(request: Request, me: Me, task_id: TaskId, body: Owner) -> Json:
    return await _task(request, me, "reassign_task", task_id, body.model_dump())


@router.post("/tasks/{task_id}/cancellation", tags=["tasks"], summary="Cancel a task")
async def cancel_task(request: Request, me: Me, task_id: TaskId, body: Reason) -> Json:
    return await _task(request, me, "cancel_task", task_id, body.model_dump())


@router.get("/closure-days", tags=["tasks"], summary="Local closure days")
async def list_closure_days(request: Request, me: Me) -> list[Json]:
    return await _gw(request).call(me, "tasks", "list_closure_days")


@router.post("/closure-days", tags=["tasks"], status_code=201, summary="Add a closure day")
async def add_closure_day(request: Request, me: Me, body: ClosureDay) -> Json:
    return await _gw(request).call(me, "tasks", "add_closure_day", _dates(body))


@router.get("/task-frameworks", tags=["tasks"], summary="Task framework editions (admins)")
async def list_task_frameworks(
    request: Request,
    me: Me,
    workflow: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Json:
    query: Json = {"page": page, "page_size": page_size}
    if workflow is not None:
        query["workflow"] = workflow
    return await _gw(request).call(me, "tasks", "list_frameworks", query)


@router.post(
    "/task-frameworks", tags=["tasks"], status_code=201, summary="Load task frameworks (admins)"
)
async def load_task_frameworks(request: Request, me: Me, document: Json) -> Json:
    return await _gw(request).call(me, "tasks", "load_frameworks", {"document": document})


# --- documents --------------------------------------------------------------------------------


class Regeneration(Body):
    kind: str = Field(min_length=1, max_length=60)


@router.get("/cases/{case}/documents", tags=["documents"], summary="A case's documents")
async def list_documents(request: Request, me: Me, case: CaseRef) -> list[Json]:
    gateway = _gw(request)
    return await gateway.call(me, "documents", "list_documents", await _case_id(request, me, case))


async def _case_id(request: Request, me: Principal, case: str) -> str:
    """Documents and tasks know cases by id; a reference is looked up first."""
    if case.upper().startswith("HO-"):
        return (await _gw(request).call(me, "cases", "get_case", case))["id"]
    return case


@router.post(
    "/cases/{case}/documents", tags=["documents"], status_code=201, summary="Make a new version"
)
async def regenerate(request: Request, me: Me, case: CaseRef, body: Regeneration) -> Json:
    command = {"case_id": await _case_id(request, me, case), "kind": body.kind}
    return await _gw(request).call(me, "documents", "regenerate", command)


@router.get("/letter-types", tags=["documents"], summary="The kinds of letter there are")
async def letter_types(request: Request, me: Me) -> list[str]:
    return await _gw(request).call(me, "documents", "list_letter_types")


DocumentId = Annotated[str, Path(min_length=1, max_length=36)]


def _filename(document: Json, extension: str) -> str:
    reference = "".join(
        c for c in str(document.get("case_reference", "")) if c.isalnum() or c == "-"
    )
    kind = "".join(c for c in str(document.get("kind", "document")) if c.isalnum() or c in "-_")
    return f"{reference or 'case'}-{kind}-v{int(document.get('version') or 1)}.{extension}"


@router.get(
    "/documents/{document_id}",
    tags=["documents"],
    summary="A document as PDF or HTML (audited)",
    responses={
        200: {
            "content": {"application/pdf": {}, "text/html": {}},
            "description": "The document; Content-Disposition names the file.",
        }
    },
    response_class=Response,
)
async def download_document(
    request: Request,
    me: Me,
    document_id: DocumentId,
    edition: Literal["pdf", "html"] = "pdf",
) -> Response:
    document = await _gw(request).call(me, "documents", "get_document", document_id, edition)
    headers = {"Cache-Control": "private, no-store"}
    if edition == "html":
        headers["Content-Disposition"] = f'inline; filename="{_filename(document, "html")}"'
        # The document is ours, but shown with nothing it could run or load from elsewhere.
        headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
        )
        return Response(document["html"], media_type="text/html; charset=utf-8", headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{_filename(document, "pdf")}"'
    content = base64.b64decode(document["content_base64"])
    return Response(content, media_type="application/pdf", headers=headers)


# --- statements and workflows -----------------------------------------------------------------


@router.get("/statements", tags=["advice"], summary="The statement bank")
async def list_statements(
    request: Request, me: Me, workflow: Annotated[str | None, Query(max_length=50)] = None
) -> list[Json]:
    return await _gw(request).call(me, "advice", "list_statements", workflow)


@router.get("/statements/{key}", tags=["advice"], summary="Every version of a statement")
async def get_statement(request: Request, me: Me, key: Key) -> list[Json]:
    return await _gw(request).call(me, "advice", "get_statement", key)


@router.put("/statements/{key}", tags=["advice"], summary="Save a new version of a statement")
async def save_statement(
    request: Request,
    me: Me,
    key: Key,
    statement: Json,
    template_key: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="The question template the condition is checked against.",
        ),
    ] = None,
) -> Json:
    if statement.get("key", key) != key:
        raise ApiProblem(
            422,
            "validation_failed",
            "The statement's key differs from the address.",
            fields={"statement.key": ["must be the key in the address"]},
        )
    command: Json = {"statement": {**statement, "key": key}}
    if template_key:
        command["template_key"] = template_key
    return await _gw(request).call(me, "advice", "save_statement", command)


@router.get("/workflows", tags=["advice"], summary="The workflows (pathways)")
async def list_workflows(request: Request, me: Me) -> list[Json]:
    return await _gw(request).call(me, "advice", "list_workflows")


@router.get(
    "/health",
    tags=["operations"],
    summary="The gateway and the services it reaches (no sign-in)",
    responses={503: {"description": "A service does not answer: its line says why"}},
)
async def health(request: Request, response: Response) -> Json:
    gateway = _gw(request)
    services = {}
    for service in ("enquiry", "advice", "cases", "tasks", "documents"):
        try:
            answer = await gateway.rpc.call(service, "health", timeout=5)
            services[service] = (
                answer.get("status", "unknown") if isinstance(answer, dict) else "ok"
            )
        except Exception as failure:  # noqa: BLE001 - reported, not raised
            services[service] = f"unavailable ({type(failure).__name__})"
    ok = all(status == "ok" for status in services.values())
    response.status_code = 200 if ok else 503
    return {"status": "ok" if ok else "degraded", "services": services}
