"""The officers' workspace: my work (my tasks and cases, overdue first; the team's for a team
leader), case search, and the case page with its clocks, advice, tasks and their actions, stage
changes, notes, documents and the audit timeline with its verification. Staff sign in through
the council's identity provider; what each may see and do is the services' rule, so a refused
action shows the service's reason."""

from __future__ import annotations

import urllib.parse
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from markupsafe import escape
from starlette.responses import RedirectResponse, Response

from services.gateway.context import current_principal, gateway_of, signed_in
from services.gateway.principal import Principal
from services.gateway.web.form import Question
from services.gateway.web.i18n import _l, lazy_ngettext
from services.gateway.web.rendering import environment, long_date, page
from shared.clock import london_today, parse_iso
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

router = APIRouter(include_in_schema=False)
STAGE_CHOICES = ("assessment", "prevention", "relief", "main_duty_decision", "review")
TASK_ACTIONS = {
    "start": "start_task",
    "complete": "complete_task",
    "hold": "hold_task",
    "release": "release_task",
}
UNFINISHED_TASKS = ("pending", "active", "in_progress", "on_hold", "overdue", "escalated")
# Newest first, a page at a time: a long-running case has thousands of entries.
TIMELINE_PAGE_SIZE = 100
# The grounds of s.195(8), s.189B(7), s.193A and s.193B in an officer's words; the cases
# service lists which apply to the running duty (get_case's ``ending_grounds``) and checks the
# choice, so a ground missing here still shows, by its key.
GROUND_WORDS = {
    "suitable_accommodation_6_months": _l(
        "Suitable accommodation is available for at least 6 months"
    ),
    "period_56_days_ended": _l("The 56-day period has ended"),
    "became_homeless": _l("The applicant has become homeless"),
    "refused_suitable_offer": _l("The applicant refused an offer of suitable accommodation"),
    "intentionally_homeless_from_accommodation_provided": _l(
        "The applicant became homeless intentionally from accommodation provided"
    ),
    "no_longer_eligible": _l("The applicant is no longer eligible for assistance"),
    "application_withdrawn": _l("The applicant withdrew the application"),
    "refused_final_offer": _l("The applicant refused a final accommodation offer"),
    "non_cooperation_notice": _l(
        "The applicant deliberately and unreasonably refused to co-operate (s.193B notice)"
    ),
}
# The seniority ladder of services/cases/duties.py GRADES, lowest first: the officer says
# theirs, the cases service checks the second is at least as senior as the first.
GRADES = ("officer", "senior_officer", "team_leader", "service_manager", "head_of_service")
DECISION_WORDS = {
    "duty_ended": _l("Duty ended"),
    "plan_steps": _l("Plan steps notified"),
    "non_cooperation_notice": _l("Non-cooperation notice"),
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


def answer_text(value: Any) -> str:
    """An enquiry answer as an officer reads it: Yes or No, a list joined, a date in words."""
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list):
        return ", ".join(answer_text(item) for item in value)
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        return long_date(value)
    return "" if value is None else str(value)


def moment_text(value: str | None) -> str:
    """A stored instant as an officer reads it: England's clock, to the second (the timeline
    is evidence: "25 November 2026 23:59:01")."""
    if not value:
        return ""
    try:
        local = parse_iso(value).astimezone(ZoneInfo("Europe/London"))
    except ValueError:
        return value
    return f"{long_date(local.date())} {local:%H:%M:%S}"


environment.filters["answer_text"] = answer_text
environment.filters["moment_text"] = moment_text


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
    for key in ("reference", "name", "postcode", "status", "stage"):
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
    anchor: str = "actions",
    typed: dict[str, str] | None = None,
) -> Response:
    gateway = gateway_of(request)
    case = await gateway.call(me, "cases", "get_case", reference)
    enquiry = await gateway.call(me, "enquiry", "get_enquiry", case["enquiry_id"])
    template = await gateway.call(
        me, "enquiry", "get_template", enquiry["template_key"], enquiry.get("template_version")
    )
    tasks = await gateway.call(me, "tasks", "list_tasks", case["id"])
    verification = None
    if "team_leader" in me.roles or "auditor" in me.roles:
        # Before the timeline is read: reading it is audited, and the count verified should be
        # the count shown.
        verification = await gateway.call(me, "cases", "verify_timeline", case["id"])
    timeline_page = _page_number(request.query_params.get("timeline_page"))
    # One page, newest first: a long-running case holds thousands of entries.
    timeline = await gateway.call(
        me, "cases", "get_timeline", case["id"], timeline_page, TIMELINE_PAGE_SIZE
    )
    context = case_page_context(
        case,
        answers=enquiry.get("answers") or {},
        tasks=tasks,
        timeline=timeline["items"],
        timeline_total=timeline["total"],
        verification=verification,
        timeline_page=timeline_page,
        questions=Question.all_of(template),
    )
    return page(
        "case.html",
        status_code=status_code,
        title=_l("Case %(reference)s", reference=case["reference"]),
        csrf_token=me.csrf_token,
        problem=problem,
        problem_anchor=anchor,
        errors={anchor: problem} if problem else {},
        typed=typed or {},
        # Moving work between people is a team leader's (the tasks service's rule); the form
        # is not offered to anyone it would refuse.
        can_reassign="team_leader" in me.roles,
        # A s.193B notice is authorised by a second, senior officer (SI 2018/223 reg 3): the
        # cases service checks seniority and involvement; the form is a team leader's.
        can_authorise="team_leader" in me.roles,
        back_link="/work",
        staff=True,
        **context,
    )


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def case_page_context(
    case: dict[str, Any],
    *,
    answers: dict[str, Any],
    tasks: list[dict[str, Any]],
    timeline: list[dict[str, Any]],
    verification: dict[str, Any] | None,
    timeline_page: int = 1,
    today: date | None = None,
    questions: list[Question] | None = None,
    timeline_total: int | None = None,
) -> dict[str, Any]:
    """What the case page shows, from what the services returned: running clocks in words, the
    grounds the running duty may end on, authorised s.193B notices, unfinished tasks (to
    reassign) and one page of the timeline, newest first."""
    clocks = [
        {**clock, "words": clock_words(clock.get("due_on"), today)}
        for clock in case.get("clocks") or []
        if clock.get("state") != "stopped"
    ]
    grounds = [
        {**ground, "words": GROUND_WORDS.get(ground["key"], ground["key"].replace("_", " "))}
        for ground in case.get("ending_grounds") or []
    ]
    decisions = [
        {**decision, "words": DECISION_WORDS.get(decision.get("kind"), decision.get("kind"))}
        for decision in case.get("decisions") or []
    ]
    notices = [
        decision
        for decision in decisions
        if decision.get("kind") == "non_cooperation_notice"
        and decision.get("status") == "authorised"
    ]
    if timeline_total is None:  # the whole timeline, oldest first: this page of it
        total = len(timeline)
        pages = max(1, -(-total // TIMELINE_PAGE_SIZE))
        current = min(timeline_page, pages)
        newest_first = timeline[::-1]
        shown = newest_first[(current - 1) * TIMELINE_PAGE_SIZE : current * TIMELINE_PAGE_SIZE]
    else:  # one page already, newest first (cases.get_timeline with a page)
        total, shown = timeline_total, timeline
        pages = max(1, -(-total // TIMELINE_PAGE_SIZE))
        current = timeline_page
    return {
        "case": case,
        "answers": answers,
        "answer_rows": answer_rows(answers, questions or []),
        "tasks": tasks,
        "unfinished_tasks": [task for task in tasks if task.get("status") in UNFINISHED_TASKS],
        "clocks": clocks,
        "ending_grounds": grounds,
        "decisions": decisions,
        "authorised_notices": notices,
        "proposed_notices": [
            decision
            for decision in decisions
            if decision.get("kind") == "non_cooperation_notice"
            and decision.get("status") == "proposed"
        ],
        "grades": GRADES,
        "timeline": shown,
        "timeline_total": total,
        "timeline_links": _timeline_links(case["reference"], pages, current),
        "timeline_previous": _timeline_href(case["reference"], current - 1)
        if current > 1
        else None,
        "timeline_next": _timeline_href(case["reference"], current + 1)
        if current < pages
        else None,
        "verification": verification,
        "stages": STAGE_CHOICES,
    }


def answer_rows(answers: dict[str, Any], questions: list[Question]) -> list[tuple[Any, Any]]:
    """The answers as the enquiry form asked them: each question's words and the answer in
    words (options' labels, Yes or No, dates), in the form's order; an answer to a question the
    template does not have is shown by its key."""
    rows: list[tuple[Any, Any]] = [
        (question.heading(), question.shown(answers[question.key]))
        for question in questions
        if answers.get(question.key) not in (None, "", [])
    ]
    asked = {question.key for question in questions}
    rows += [
        (escape(key.replace("_", " ")), escape(answer_text(value)))
        for key, value in sorted(answers.items())
        if key not in asked and value not in (None, "", [])
    ]
    return rows


def _timeline_links(reference: str, pages: int, current: int) -> list[dict[str, Any]]:
    if pages <= 1:
        return []
    # The first, the last and two either side of the current page; the pagination component
    # shows an ellipsis where numbers are skipped.
    numbers = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    links: list[dict[str, Any]] = []
    for number in numbers:
        if links and number - links[-1]["number"] > 1:
            links.append({"ellipsis": True, "number": number - 1})
        links.append(
            {
                "number": number,
                "href": _timeline_href(reference, number),
                "current": number == current,
            }
        )
    return links


def _timeline_href(reference: str, number: int) -> str:
    return f"/work/cases/{reference}?timeline_page={number}#timeline"


def parse_day(day: str, month: str, year: str) -> str | None:
    """A GOV.UK date input's three fields as an ISO date, or None if they are not a real day
    (a year in four figures: "26" is not 2026)."""
    if len(year.strip()) != 4:
        return None
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _typed(form: Any, *names: str) -> dict[str, str]:
    """A form's fields as typed (trimmed), to send on and to show again if refused."""
    return {name: str(form.get(name) or "").strip() for name in names}


async def _act(
    request: Request,
    me: Principal,
    reference: str,
    rpc: tuple[str, str, dict[str, Any]],
    anchor: str = "actions",
    typed: dict[str, str] | None = None,
) -> Response:
    """Ask a service (``rpc``: service, method, command) to act on the case; back to the case
    at ``anchor``, or the case page again with the service's refusal and what was typed."""
    service, method, command = rpc
    try:
        await gateway_of(request).call(me, service, method, command)
    except (ValidationFailed, Conflict, Forbidden, NotFound) as refused:
        if isinstance(refused, ValidationFailed):
            message = "; ".join(
                f"{path}: {messages[0]}" for path, messages in refused.field_errors.items()
            )
        elif isinstance(refused, Forbidden):
            message = _l("Not allowed: %(reason)s", reason=refused.reason)
        else:
            message = str(refused)
        return await _case_page(request, me, reference, message, 400, anchor, typed)
    return RedirectResponse(f"/work/cases/{reference}#{anchor}", status_code=303)


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
    return await _act(request, me, reference, ("tasks", method, command))


@router.post("/work/cases/{reference}/task-owner")
async def reassign_task(request: Request, reference: str, me: Acting) -> Response:
    form = await request.form()
    typed = _typed(form, "task_id", "owner_choice", "officer_id", "team")
    owner = new_owner(typed, me)
    if not typed["task_id"] or owner is None:
        problem = _l("Choose a task and who it goes to (for another officer, their user id)")
        return await _case_page(request, me, reference, problem, 400, "reassign", typed)
    command = {"task_id": typed["task_id"], "owner": owner}
    return await _act(
        request,
        me,
        reference,
        ("tasks", "reassign_task", command),
        "reassign",
        typed,
    )


def new_owner(typed: dict[str, str], me: Principal) -> str | None:
    """The owner a reassign form names: the officer filling it in, the case's team, or another
    officer by their user id (with or without the ``officer:`` prefix)."""
    choice = typed.get("owner_choice")
    if choice == "me":
        return me.subject
    if choice == "team" and typed.get("team"):
        return f"team:{typed['team']}"
    officer = (typed.get("officer_id") or "").removeprefix("officer:").strip()
    if choice == "officer" and officer:
        return f"officer:{officer}"
    return None


@router.post("/work/cases/{reference}/duty-ending")
async def end_duty(request: Request, reference: str, me: Acting) -> Response:
    form = await request.form()
    typed = _typed(form, "ground", "reason", "notice", "day", "month", "year")
    notified_on = parse_day(typed["day"], typed["month"], typed["year"])
    if not typed["ground"] or notified_on is None or not typed["reason"]:
        problem = _l(
            "Choose the ground, give the reasons and the date the applicant was told, "
            "as a real date (for example 27 3 2026)"
        )
        return await _case_page(request, me, reference, problem, 400, "end-duty", typed)
    command = {
        "case": reference,
        "ground": typed["ground"],
        "notified_on": notified_on,
        "reason": typed["reason"],
    }
    if typed["notice"]:
        command["notice"] = typed["notice"]
    return await _act(
        request,
        me,
        reference,
        ("cases", "end_duty", command),
        "end-duty",
        typed,
    )


@router.post("/work/cases/{reference}/non-cooperation-notices")
async def propose_notice(request: Request, reference: str, me: Acting) -> Response:
    form = await request.form()
    typed = _typed(form, "grade", "reason", "day", "month", "year")
    warning_given_on = parse_day(typed["day"], typed["month"], typed["year"])
    if warning_given_on is None or not typed["reason"]:
        problem = _l("Give the day of the relevant warning, as a real date, and why")
        return await _case_page(request, me, reference, problem, 400, "non-cooperation", typed)
    command = {
        "case": reference,
        "grade": typed["grade"],
        "warning_given_on": warning_given_on,
        "reason": typed["reason"],
    }
    return await _act(
        request,
        me,
        reference,
        ("cases", "propose_non_cooperation_notice", command),
        "non-cooperation",
        typed,
    )


@router.post("/work/cases/{reference}/non-cooperation-notices/{notice}/authorisation")
async def authorise_notice(request: Request, reference: str, notice: str, me: Acting) -> Response:
    form = await request.form()
    command = {"case": reference, "notice": notice, "grade": str(form.get("grade") or "")}
    return await _act(
        request,
        me,
        reference,
        ("cases", "authorise_non_cooperation_notice", command),
        "non-cooperation",
    )


@router.post("/work/cases/{reference}/plan-decision")
async def record_plan_decision(request: Request, reference: str, me: Acting) -> Response:
    form = await request.form()
    typed = _typed(form, "day", "month", "year")
    notified_on = parse_day(typed["day"], typed["month"], typed["year"])
    if notified_on is None:
        problem = _l("Enter the date the plan was given to the applicant, as a real date")
        return await _case_page(request, me, reference, problem, 400, "plan-decision", typed)
    command = {"case": reference, "notified_on": notified_on}
    return await _act(
        request,
        me,
        reference,
        ("cases", "record_plan_decision", command),
        "plan-decision",
        typed,
    )


@router.post("/work/cases/{reference}/stage")
async def change_stage(request: Request, reference: str, me: Acting) -> Response:
    form = await request.form()
    command: dict[str, Any] = {"case": reference, "stage": str(form.get("stage") or "")}
    for field in ("duty_start_on", "duty_start_reason", "decision_notified_on", "review_type"):
        value = str(form.get(field) or "").strip()
        if value:
            command[field] = value
    return await _act(request, me, reference, ("cases", "change_stage", command), "stage")


@router.post("/work/cases/{reference}/notes")
async def add_note(request: Request, reference: str, me: Acting) -> Response:
    form = await request.form()
    command = {"case": reference, "text": str(form.get("text") or "")}
    return await _act(request, me, reference, ("cases", "add_note", command), "notes")


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
