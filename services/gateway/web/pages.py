"""The public and customer pages: the start page, signing in by email, the enquiry form one
question per page, check your answers, the confirmation with the case reference, and the
customer's own page. Every page works without JavaScript; every form carries the session's
CSRF token; the services decide what the customer may see (their token names their own
enquiries and cases)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from services.gateway import repository
from services.gateway.auth_routes import looks_like_email, send_sign_in_email
from services.gateway.context import current_principal, gateway_of, signed_in
from services.gateway.principal import Principal
from services.gateway.web.form import (
    Question,
    errors_for_questions,
    next_question,
    previous_question,
)
from services.gateway.web.i18n import _l
from services.gateway.web.rendering import page
from shared.clock import utcnow
from shared.errors import NotFound, ValidationFailed

TEMPLATE_KEY = "housing-options-enquiry"
router = APIRouter(include_in_schema=False)
Someone = Annotated[Principal | None, Depends(current_principal)]
# Plain-English case statuses and stages for the customer's page.
STAGES = {
    "triage": _l("We have your enquiry and will contact you"),
    "assessment": _l("We are looking at your situation"),
    "prevention": _l("We are helping you keep your home or find another"),
    "relief": _l("We are helping you find somewhere to live"),
    "main_duty_decision": _l("We are deciding what more we must do"),
    "review": _l("We are reviewing a decision"),
    "closed": _l("Your case is closed"),
}
# The customer's documents by kind (services/documents: the information pack and the letters).
DOCUMENTS = {
    "information_pack": _l("Information pack"),
    "acknowledgement": _l("Acknowledgement letter"),
}


def _form_dict(form: Any) -> dict[str, list[str]]:
    return {key: [str(v) for v in form.getlist(key)] for key in set(form.keys())}  # noqa: SIM118 - a multi-dict


class SignInFirst(Exception):  # noqa: N818 - answered with a redirect (app.py)
    """A customer's page asked for by someone not signed in as a customer."""


async def customer_page(principal: Someone) -> Principal:
    if principal is None or not principal.is_customer:
        raise SignInFirst
    return principal


def to_sign_in(_request: Request, _error: Exception) -> Response:
    return RedirectResponse("/apply", status_code=303)


Customer = Annotated[Principal, Depends(customer_page)]


@router.get("/")
async def start(principal: Someone) -> Response:
    return page("start.html", title=_l("Get help with housing"), principal=principal)


@router.get("/apply")
async def apply(request: Request, principal: Someone) -> Response:
    customer = principal if principal is not None and principal.is_customer else None
    if customer is None:
        return page("email.html", title=_l("Enter your email address"), back_link="/", errors={})
    gateway = gateway_of(request)
    owned = await gateway.store.run(repository.customer_enquiries, customer.subject)
    drafts = []
    for enquiry_id, _case in owned:
        enquiry = await gateway.call(customer, "enquiry", "get_enquiry", enquiry_id)
        if enquiry.get("status") == "draft":
            drafts.append(enquiry)
    return page(
        "apply.html",
        title=_l("Your application"),
        drafts=drafts,
        csrf_token=customer.csrf_token,
        has_cases=any(case for _, case in owned) or len(owned) > len(drafts),
    )


@router.post("/apply/email")
async def ask_for_link(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()
    if not looks_like_email(email):
        errors = {
            "email": _l("Enter an email address in the correct format, like name@example.com")
        }
        return page(
            "email.html",
            status_code=400,
            title=_l("Enter your email address"),
            back_link="/",
            errors=errors,
            email=email,
        )
    await send_sign_in_email(request, email)
    return page("check_email.html", title=_l("Check your email"), email=email)


@router.post("/apply/start")
async def start_application(
    request: Request, customer: Annotated[Principal, Depends(signed_in)]
) -> Response:
    gateway = gateway_of(request)
    enquiry = await gateway.call(
        customer, "enquiry", "start_enquiry", {"template_key": TEMPLATE_KEY}
    )
    await gateway.store.run(
        repository.record_customer_enquiry, customer.subject, enquiry["id"], utcnow()
    )
    return RedirectResponse(f"/apply/{enquiry['id']}", status_code=303)


async def _enquiry_and_questions(
    request: Request, customer: Principal, enquiry_id: str
) -> tuple[dict, dict[str, Question]]:
    gateway = gateway_of(request)
    enquiry = await gateway.call(customer, "enquiry", "get_enquiry", enquiry_id)
    template = await gateway.call(
        customer,
        "enquiry",
        "get_template",
        enquiry["template_key"],
        enquiry.get("template_version"),
    )
    return enquiry, {q.key: q for q in Question.all_of(template)}


@router.get("/apply/{enquiry_id}")
async def resume(request: Request, enquiry_id: str, customer: Customer) -> Response:
    enquiry, _ = await _enquiry_and_questions(request, customer, enquiry_id)
    if enquiry["status"] != "draft":
        return RedirectResponse(f"/apply/{enquiry_id}/done", status_code=303)
    progress = enquiry["progress"]
    missing = progress["missing_required"]
    target = missing[0] if missing else None
    if target is None:
        return RedirectResponse(f"/apply/{enquiry_id}/check", status_code=303)
    return RedirectResponse(f"/apply/{enquiry_id}/q/{target}", status_code=303)


def _question_page(
    enquiry: dict,
    question: Question,
    csrf_token: str | None,
    value: Any,
    error: str | None = None,
    status_code: int = 200,
    raw: dict[str, list[str]] | None = None,
) -> Response:
    visible = enquiry["progress"]["visible_questions"]
    previous = previous_question(visible, question.key)
    back = f"/apply/{enquiry['id']}/q/{previous}" if previous else "/apply"
    return page(
        "question.html",
        status_code=status_code,
        title=question.title(),
        question=question,
        value=value,
        raw=raw or {},
        date_parts=question.date_parts(value) if question.type == "date" else {},
        error=error,
        errors={question.key: error} if error else {},
        enquiry=enquiry,
        csrf_token=csrf_token,
        back_link=back,
    )


@router.get("/apply/{enquiry_id}/q/{key}")
async def show_question(
    request: Request, enquiry_id: str, key: str, customer: Customer
) -> Response:
    enquiry, questions = await _enquiry_and_questions(request, customer, enquiry_id)
    if key not in questions or key not in enquiry["progress"]["visible_questions"]:
        return RedirectResponse(f"/apply/{enquiry_id}", status_code=303)
    question = questions[key]
    return _question_page(enquiry, question, customer.csrf_token, enquiry["answers"].get(key))


@router.post("/apply/{enquiry_id}/q/{key}")
async def answer_question(
    request: Request,
    enquiry_id: str,
    key: str,
    customer: Annotated[Principal, Depends(signed_in)],
) -> Response:
    gateway = gateway_of(request)
    enquiry, questions = await _enquiry_and_questions(request, customer, enquiry_id)
    if key not in questions:
        return RedirectResponse(f"/apply/{enquiry_id}", status_code=303)
    question = questions[key]
    form = _form_dict(await request.form())
    answer = question.read(form)
    if answer is None and question.required:
        message = _l("Answer this question: %(question)s", question=question.title())
        if question.type in ("single_choice", "boolean"):
            message = _l("Select an answer")
        return _question_page(enquiry, question, customer.csrf_token, answer, message, 400, form)
    try:
        saved = await gateway.call(
            customer,
            "enquiry",
            "save_answers",
            {"enquiry_id": enquiry_id, "answers": {key: answer}},
        )
    except ValidationFailed as refused:
        message = errors_for_questions(refused.field_errors, questions).get(
            key, _l("Check your answer")
        )
        return _question_page(enquiry, question, customer.csrf_token, answer, message, 400, form)
    following = next_question(saved["progress"]["visible_questions"], key)
    if following is None or request.query_params.get("change"):
        return RedirectResponse(f"/apply/{enquiry_id}/check", status_code=303)
    return RedirectResponse(f"/apply/{enquiry_id}/q/{following}", status_code=303)


@router.get("/apply/{enquiry_id}/check")
async def check_answers(request: Request, enquiry_id: str, customer: Customer) -> Response:
    enquiry, questions = await _enquiry_and_questions(request, customer, enquiry_id)
    return _check_page(enquiry, questions, customer.csrf_token, {})


def _check_page(
    enquiry: dict, questions: dict[str, Question], csrf_token: str | None, errors: dict
) -> Response:
    rows = [
        # The answers are shown in words when the page is rendered, in its language.
        (questions[key], enquiry["answers"].get(key))
        for key in enquiry["progress"]["visible_questions"]
        if key in questions
    ]
    return page(
        "check.html",
        status_code=400 if errors else 200,
        title=_l("Check your answers before sending your application"),
        rows=rows,
        enquiry=enquiry,
        csrf_token=csrf_token,
        errors=errors,
        back_link=f"/apply/{enquiry['id']}/q/{enquiry['progress']['visible_questions'][-1]}",
    )


@router.post("/apply/{enquiry_id}/check")
async def send_application(
    request: Request, enquiry_id: str, customer: Annotated[Principal, Depends(signed_in)]
) -> Response:
    gateway = gateway_of(request)
    await gateway.limit(
        request, "submission", gateway.settings.rate_limit_submission, customer.subject
    )
    try:
        await gateway.call(customer, "enquiry", "submit_enquiry", {"enquiry_id": enquiry_id})
    except ValidationFailed as refused:
        enquiry, questions = await _enquiry_and_questions(request, customer, enquiry_id)
        return _check_page(
            enquiry,
            questions,
            customer.csrf_token,
            errors_for_questions(refused.field_errors, questions),
        )
    return RedirectResponse(f"/apply/{enquiry_id}/done", status_code=303)


async def _case_of(request: Request, customer: Principal, enquiry_id: str) -> dict | None:
    gateway = gateway_of(request)
    for _ in range(10):  # the case opens a moment after submission
        try:
            case = await gateway.call(customer, "cases", "get_case_for_enquiry", enquiry_id)
        except NotFound:
            await asyncio.sleep(0.3)
            continue
        await gateway.store.run(
            repository.record_customer_enquiry, customer.subject, enquiry_id, utcnow(), case["id"]
        )
        return case
    return None


@router.get("/apply/{enquiry_id}/done")
async def confirmation(request: Request, enquiry_id: str, customer: Customer) -> Response:
    case = await _case_of(request, customer, enquiry_id)
    return page("done.html", title=_l("Application sent"), case=case)


@router.get("/my-case")
async def my_case(request: Request, customer: Customer) -> Response:
    gateway = gateway_of(request)
    cases = []
    for enquiry_id, _ in await gateway.store.run(repository.customer_enquiries, customer.subject):
        try:
            case = await gateway.call(customer, "cases", "get_case_for_enquiry", enquiry_id)
        except NotFound:
            continue
        await gateway.store.run(
            repository.record_customer_enquiry, customer.subject, enquiry_id, utcnow(), case["id"]
        )
        cases.append(case)
    return page(
        "my_case.html",
        title=_l("Your housing case"),
        cases=cases,
        stages=STAGES,
        documents=DOCUMENTS,
    )


__all__ = ["router"]
