"""The officers' workspace: my work (my tasks and cases, overdue first; the team's for a team
leader), case search, and the case page with its clocks, advice, tasks and their actions, stage
changes, notes, documents and the audit timeline with its verification. Staff sign in through
the council's identity provider; what each may see and do is the services' rule, so a refused
action shows the service's reason."""

from __future__ import annotations

import urllib.parse
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from services.gateway.context import current_principal, gateway_of, signed_in
from services.gateway.principal import Principal
from services.gateway.web.i18n import _l, lazy_ngettext
from services.gateway.web.rendering import page
from shared.clock import london_today
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

router = APIRouter(include_in_schema=False)
STAGE_CHOICES = ("assessment", "prevention", "relief", "main_duty_decision", "review")
TASK_ACTIONS = {
    "start": "start_task",
    "complete": "complete_task",
    "hold": "hold_task",
    "release": "release_task",
}


class StaffSignInFirst(Exception):  # noqa: N818 - answered with a redirect (app.py)
    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


async def staff_page(
    request: Request, principal: Annotated[Principal | None, Depends(current_principal)]
) -> Principal:
    if principal is None or principal.is_customer:
        raise StaffSignInFirst(request.url.path)
    return principal


def to_staff_sign_in(_request: Request, error: Exception) -> Response:
    assert isinstance(error, StaffSignInFirst)
    query = urllib.parse.urlencode({"return_to": error.back_to})
    return RedirectResponse(f"/auth/login?{query}", status_code=303)


Staff = Annotated[Principal, Depends(staff_page)]
Acting = Annotated[Principal, Depends(signed_in)]


def clock_words(due_on: str | None, today: date | None = None) -> tuple[str, str]:
    """Days to a statutory last day, in words and as a tag colour."""
    if not due_on:
        return "", "grey"
    days = (date.fromisoformat(due_on) - (today or london_today())).days
    if days > 7:
        return lazy_ngettext("%(num)d day left", "%(num)d days left", days), "green"
    if days > 1:
        return lazy_ngettext("%(num)d day left", "%(num)d days left", days), "yellow"
    if days == 1:
        return lazy_ngettext("%(num)d day left", "%(num)d days left", 1), "yellow"
    if days == 0:
        return _l("last day today"), "red"
    return lazy_ngettext(
        "%(num)d day past the last day", "%(num)d days past the last day", -days
    ), "red"


def _urgency(task: dict[str, Any]) -> tuple[int, str]:
    status = task.get("status")
    rank = {"overdue": 0, "escalated": 0}.get(status, 1)
    return rank, task.get("due_at") or "9999"


@router.get("/work")
async def my_work(request: Request, me: Staff) -> Response:
    gateway = gateway_of(request)
    mine = await gateway.call(me, "tasks", "find_tasks", {"owner": me.subject, "page_size": 50})
    overdue = await gateway.call(me, "tasks", "find_tasks", {"overdue": True, "page_size": 50})
    cases = await gateway.call(me, "cases", "list_cases", {"owner": me.subject, "status": "open"})
    team = None
    if "team_leader" in me.roles:
        team = await gateway.call(me, "tasks", "find_tasks", {"page_size": 50})
    return page(
        "work.html",
        title=_l("My work"),
        me=me,
        tasks=sorted(mine["items"], key=_urgency),
        overdue=overdue["items"],
        cases=cases["items"],
        team=team["items"] if team else None,
        staff=True,
    )


@router.get("/work/cases")
async def search(request: Request, me: Staff) -> Response:
    params = request.query_params
    query: dict[str, Any] = {"page": max(1, int(params.get("page") or 1)), "page_size": 20}
    for key in ("reference", "name", "status", "stage"):
        value = (params.get(key) or "").strip()
        if value:
            query[key] = value
    errors: dict[str, str] = {}
    found: dict[str, Any] = {"items": [], "total": 0, "page": 1, "page_size": 20}
    try:
        found = await gateway_of(request).call(me, "cases", "list_cases", query)
    except ValidationFailed as refused:
        errors = {path: messages[0] for path, messages in refused.field_errors.items()}
    pages = max(1, -(-found["total"] // found["page_size"]))
    page_links = [
        {
            "number": number,
            "href": "?" + urllib.parse.urlencode({**query, "page": number}),
            "current": number == found["page"],
        }
        for number in range(1, min(pages, 50) + 1)
    ]
    return page(
        "search.html",
        title=_l("Find a case"),
        query=query,
        found=found,
        page_links=page_links,
        errors=errors,
        staff=True,
        status_code=400 if errors else 200,
    )


@router.get("/work/cases/{reference}")
async def case_page(request: Request, reference: str, me: Staff) -> Response:
    return await _case_page(request, me, reference)


async def _case_page(
    request: Request,
    me: Principal,
    reference: str,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    gateway = gateway_of(request)
    case = await gateway.call(me, "cases", "get_case", reference)
    enquiry = await gateway.call(me, "enquiry", "get_enquiry", case["enquiry_id"])
    tasks = await gateway.call(me, "tasks", "list_tasks", case["id"])
    timeline = await gateway.call(me, "cases", "get_timeline", case["id"])
    verification = None
    if "team_leader" in me.roles or "auditor" in me.roles:
        verification = await gateway.call(me, "cases", "verify_timeline", case["id"])
    clocks = [
        {**clock, "words": clock_words(clock.get("due_on"))}
        for clock in case.get("clocks") or []
        if clock.get("state") != "stopped"
    ]
    return page(
        "case.html",
        status_code=status_code,
        title=_l("Case %(reference)s", reference=case["reference"]),
        case=case,
        answers=enquiry.get("answers") or {},
        tasks=tasks,
        clocks=clocks,
        timeline=timeline,
        verification=verification,
        stages=STAGE_CHOICES,
        csrf_token=me.csrf_token,
        problem=problem,
        errors={"action": problem} if problem else {},
        back_link="/work",
        staff=True,
    )


async def _act(request: Request, me: Principal, reference: str, call) -> Response:
    try:
        await call()
    except (ValidationFailed, Conflict, Forbidden, NotFound) as refused:
        if isinstance(refused, ValidationFailed):
            message = "; ".join(
                f"{path}: {messages[0]}" for path, messages in refused.field_errors.items()
            )
        elif isinstance(refused, Forbidden):
            message = _l("Not allowed: %(reason)s", reason=refused.reason)
        else:
            message = str(refused)
        return await _case_page(request, me, reference, message, 400)
    return RedirectResponse(f"/work/cases/{reference}", status_code=303)


@router.post("/work/cases/{reference}/tasks/{task_id}/{action}")
async def task_action(
    request: Request, reference: str, task_id: str, action: str, me: Acting
) -> Response:
    form = await request.form()
    command: dict[str, Any] = {"task_id": task_id}
    if action == "complete":
        command["outcome"] = str(form.get("outcome") or "Done")
    if action == "hold":
        command["reason"] = str(form.get("reason") or "")
    method = TASK_ACTIONS.get(action)
    if method is None:
        return RedirectResponse(f"/work/cases/{reference}", status_code=303)
    gateway = gateway_of(request)
    return await _act(request, me, reference, lambda: gateway.call(me, "tasks", method, command))


@router.post("/work/cases/{reference}/stage")
async def change_stage(request: Request, reference: str, me: Acting) -> Response:
    form = await request.form()
    command: dict[str, Any] = {"case": reference, "stage": str(form.get("stage") or "")}
    for field in ("duty_start_on", "duty_start_reason", "decision_notified_on", "review_type"):
        value = str(form.get(field) or "").strip()
        if value:
            command[field] = value
    gateway = gateway_of(request)
    return await _act(
        request, me, reference, lambda: gateway.call(me, "cases", "change_stage", command)
    )


@router.post("/work/cases/{reference}/notes")
async def add_note(request: Request, reference: str, me: Acting) -> Response:
    form = await request.form()
    command = {"case": reference, "text": str(form.get("text") or "")}
    gateway = gateway_of(request)
    return await _act(
        request, me, reference, lambda: gateway.call(me, "cases", "add_note", command)
    )


@router.get("/work/admin/closure-days")
async def closure_days(request: Request, me: Staff) -> Response:
    return await _closure_days_page(request, me, {}, {})


async def _closure_days_page(
    request: Request, me: Principal, errors: dict[str, str], typed: dict[str, str]
) -> Response:
    days = await gateway_of(request).call(me, "tasks", "list_closure_days")
    return page(
        "closure_days.html",
        status_code=400 if errors else 200,
        title=_l("Closure days"),
        days=days,
        errors=errors,
        typed=typed,
        csrf_token=me.csrf_token,
        staff=True,
    )


@router.post("/work/admin/closure-days")
async def add_closure_day(request: Request, me: Acting) -> Response:
    form = await request.form()
    typed = {"day": str(form.get("day") or "").strip(), "reason": str(form.get("reason") or "")}
    try:
        await gateway_of(request).call(me, "tasks", "add_closure_day", typed)
    except (ValidationFailed, Conflict, Forbidden) as refused:
        if isinstance(refused, ValidationFailed):
            errors = {path: messages[0] for path, messages in refused.field_errors.items()}
        elif isinstance(refused, Forbidden):
            errors = {"day": _l("Not allowed: %(reason)s", reason=refused.reason)}
        else:
            errors = {"day": str(refused)}
        return await _closure_days_page(request, me, errors, typed)
    return RedirectResponse("/work/admin/closure-days", status_code=303)
