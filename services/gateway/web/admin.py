"""The statement bank's editor for admins: every statement, and one statement's form with a
preview: would it, as edited and not yet saved, be chosen for a given case, and why (the advice
service's ``preview_statement``, with the case's own answers, workflow and nation); then save it
as a new version. Checks are the advice service's, so the form shows its errors by field."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from services.gateway.context import gateway_of, signed_in
from services.gateway.principal import Principal
from services.gateway.web.i18n import _l
from services.gateway.web.pasted import UnreadableDocument, read_document
from services.gateway.web.rendering import page
from services.gateway.web.workspace import Staff
from shared.errors import Forbidden, NotFound, ValidationFailed

router = APIRouter(include_in_schema=False)
Acting = Annotated[Principal, Depends(signed_in)]
LIST_FIELDS = ("workflows", "nations")
TEXT_FIELDS = (
    "title",
    "body",
    "section",
    "source",
    "reviewed_on",
    "effective_from",
    "effective_to",
)


@router.get("/work/admin/statements")
async def statements(request: Request, me: Staff) -> Response:
    found = await gateway_of(request).call(me, "advice", "list_statements", None)
    return page("statements.html", title="Statement bank", statements=found, staff=True)


def _form_of(statement: dict[str, Any]) -> dict[str, str]:
    """A statement as the form's text fields show it."""
    form = {name: str(statement.get(name) or "") for name in TEXT_FIELDS}
    form.update({name: ", ".join(statement.get(name) or []) for name in LIST_FIELDS})
    form["priority"] = str(statement.get("priority", 100))
    form["when"] = json.dumps(statement.get("when", True), indent=2)
    return form


def _statement_of(key: str, form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form back as a statement; problems the form itself has (before the service's)."""
    problems: dict[str, str] = {}
    statement: dict[str, Any] = {"key": key}
    for name in TEXT_FIELDS:
        value = form.get(name, "").strip()
        if value or name in ("title", "body", "section", "source", "reviewed_on"):
            statement[name] = value or None
    for name in LIST_FIELDS:
        statement[name] = [part.strip() for part in form.get(name, "").split(",") if part.strip()]
    try:
        statement["priority"] = int(form.get("priority") or 100)
    except ValueError:
        problems["priority"] = "Enter a whole number"
    try:
        statement["when"] = json.loads(form.get("when") or "true")
    except ValueError:
        problems["when"] = "The condition is not valid JSON"
    return {k: v for k, v in statement.items() if v is not None}, problems


@router.get("/work/admin/statements/{key}")
async def edit_statement(request: Request, key: str, me: Staff) -> Response:
    try:
        versions = await gateway_of(request).call(me, "advice", "get_statement", key)
        form = _form_of(versions[-1])
    except NotFound:
        versions, form = [], _form_of({"reviewed_on": date.today().isoformat()})
    return _editor(me, key, form, versions, {}, None, None)


def _editor(
    me: Principal,
    key: str,
    form: dict[str, str],
    versions: list[dict],
    errors: dict[str, str],
    preview: dict | None,
    case_reference: str | None,
    saved: bool = False,
) -> Response:
    return page(
        "statement.html",
        status_code=400 if errors else 200,
        title=_l("Statement %(key)s", key=key),
        key=key,
        form=form,
        versions=versions,
        errors=errors,
        preview=preview,
        case_reference=case_reference or "",
        saved=saved,
        csrf_token=me.csrf_token,
        back_link="/work/admin/statements",
        staff=True,
    )


def _field_errors(refused: ValidationFailed, key: str) -> dict[str, str]:
    found = {}
    for path, messages in refused.field_errors.items():
        name = path.split(".")[-1] if path.startswith(("statement.", f"statement[{key}]")) else path
        found.setdefault(name, messages[0])
    return found


@router.post("/work/admin/statements/{key}")
async def preview_or_save(request: Request, key: str, me: Acting) -> Response:
    gateway = gateway_of(request)
    posted = await request.form()
    form = {
        name: str(posted.get(name) or "")
        for name in (*TEXT_FIELDS, *LIST_FIELDS, "priority", "when")
    }
    case_reference = str(posted.get("case") or "").strip()
    statement, errors = _statement_of(key, form)
    try:
        versions = await gateway.call(me, "advice", "get_statement", key)
    except NotFound:
        versions = []
    if errors:
        return _editor(me, key, form, versions, errors, None, case_reference)
    try:
        if posted.get("action") == "save":
            await gateway.call(me, "advice", "save_statement", {"statement": statement})
            versions = await gateway.call(me, "advice", "get_statement", key)
            return _editor(me, key, form, versions, {}, None, case_reference, saved=True)
        if not case_reference:
            return _editor(
                me,
                key,
                form,
                versions,
                {"case": "Enter a case reference to preview against"},
                None,
                case_reference,
            )
        case = await gateway.call(me, "cases", "get_case", case_reference)
        question = await gateway.case_question(me, case)
        preview = await gateway.call(
            me, "advice", "preview_statement", {"statement": statement, **question}
        )
    except ValidationFailed as refused:
        return _editor(me, key, form, versions, _field_errors(refused, key), None, case_reference)
    except (Forbidden, NotFound) as refused:
        message = (
            f"Not allowed: {refused.reason}" if isinstance(refused, Forbidden) else str(refused)
        )
        where = "title" if posted.get("action") == "save" else "case"
        return _editor(me, key, form, versions, {where: message}, None, case_reference)
    return _editor(me, key, form, versions, {}, preview, case_reference)


__all__ = ["router"]


@router.get("/work/admin/templates")
async def templates(request: Request, me: Staff) -> Response:
    return await _templates_page(request, me, "", {}, None)


async def _templates_page(
    request: Request,
    me: Principal,
    typed: str,
    errors: dict[str, list[str]],
    published: dict | None,
) -> Response:
    found = await gateway_of(request).call(me, "enquiry", "list_templates")
    summary = {path: messages[0] for path, messages in errors.items()}
    return page(
        "templates.html",
        status_code=400 if errors else 200,
        title="Question templates",
        templates=found,
        typed=typed,
        errors={"definition": next(iter(summary.values()))} if summary else {},
        problems=sorted(errors.items()),
        published=published,
        csrf_token=me.csrf_token,
        staff=True,
    )


@router.post("/work/admin/templates")
async def publish_template(request: Request, me: Acting) -> Response:
    """A new version of a question template, written in YAML or JSON (as the template files
    are); every problem the enquiry service finds is listed by its path."""
    typed = str((await request.form()).get("definition") or "")
    try:
        definition = read_document(typed)
    except UnreadableDocument as unreadable:
        return await _templates_page(request, me, typed, {"definition": [str(unreadable)]}, None)
    if not isinstance(definition, dict):
        return await _templates_page(
            request,
            me,
            typed,
            {"definition": [_l("Write the template as a mapping of fields")]},
            None,
        )
    try:
        published = await gateway_of(request).call(
            me, "enquiry", "publish_template", {"definition": definition}
        )
    except ValidationFailed as refused:
        return await _templates_page(request, me, typed, refused.field_errors, None)
    except Forbidden as refused:
        return await _templates_page(
            request, me, typed, {"definition": [f"Not allowed: {refused.reason}"]}, None
        )
    return await _templates_page(request, me, "", {}, published)
