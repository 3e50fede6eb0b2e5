"""The task frameworks page for admins: every stored edition (the tasks service's
``list_frameworks``), and a box to paste, or a file to upload, a framework document in YAML or
JSON as the framework files are written (``load_frameworks``). The tasks service checks all of it
before storing any; every problem it finds is listed by its path in the document, and what was
typed (or uploaded) stays in the box to be put right."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from services.gateway.context import gateway_of, signed_in
from services.gateway.principal import Principal
from services.gateway.web.i18n import _l
from services.gateway.web.pasted import UnreadableDocument, read_document
from services.gateway.web.rendering import page
from services.gateway.web.workspace import Staff
from shared.errors import ValidationFailed

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
PREFIX = "document."
ADDRESS = "/work/admin/frameworks"


Acting = Annotated[Principal, Depends(signed_in)]
PageNumber = Annotated[int, Query(alias="page", ge=1, le=10000)]


@router.get(ADDRESS)
async def frameworks(request: Request, me: Staff, page_number: PageNumber = 1) -> Response:
    return await _frameworks_page(request, me, page_number=page_number)


async def _frameworks_page(
    request: Request,
    me: Principal,
    typed: str = "",
    problems: dict[str, list[Any]] | None = None,
    loaded: list[dict[str, Any]] | None = None,
    page_number: int = 1,
) -> Response:
    found = await gateway_of(request).call(
        me, "tasks", "list_frameworks", {"page": page_number, "page_size": PAGE_SIZE}
    )
    problems = problems or {}
    pages = max(1, -(-found["total"] // PAGE_SIZE))
    return page(
        "frameworks.html",
        status_code=400 if problems else 200,
        title=_l("Task frameworks"),
        editions=found["items"],
        total=found["total"],
        previous_page=f"{ADDRESS}?page={page_number - 1}" if page_number > 1 else None,
        next_page=f"{ADDRESS}?page={page_number + 1}" if page_number < pages else None,
        typed=typed,
        errors=_field_errors(problems),
        problems=sorted(problems.items()),
        loaded=loaded,
        csrf_token=me.csrf_token,
        staff=True,
    )


@router.post(ADDRESS)
async def load_frameworks(request: Request, me: Acting) -> Response:
    """A framework document pasted into the box or uploaded as a file (the file wins, and its
    text fills the box). Nothing is stored unless all of it is right."""
    posted = await request.form()
    typed = str(posted.get("document") or "")
    upload = posted.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            typed = (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            return await _frameworks_page(
                request, me, typed, {"file": [_l("The file must be text (UTF-8)")]}
            )
    if not typed.strip():
        return await _frameworks_page(
            request, me, typed, {"document": [_l("Enter the frameworks, or choose a file")]}
        )
    try:
        document = read_document(typed)
    except UnreadableDocument as unreadable:
        return await _frameworks_page(request, me, typed, {"document": [unreadable.args[0]]})
    if not isinstance(document, dict):
        return await _frameworks_page(
            request,
            me,
            typed,
            {"frameworks": [_l("Write the document as frameworks: {workflow: {nations, ...}}")]},
        )
    try:
        answer = await gateway_of(request).call(
            me, "tasks", "load_frameworks", {"document": document}
        )
    except ValidationFailed as refused:
        return await _frameworks_page(request, me, typed, _in_document(refused.field_errors))
    return await _frameworks_page(request, me, loaded=answer["editions"])


def _field_errors(problems: dict[str, list[Any]]) -> dict[str, Any]:
    """The first problem, shown at the file input if it is about the file, else at the box."""
    if not problems:
        return {}
    if "file" in problems:
        return {"file": problems["file"][0]}
    return {"document": next(iter(problems.values()))[0]}


def _in_document(field_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The service's paths (``document.frameworks.x.nations``) as paths in what the person
    wrote (``frameworks.x.nations``)."""
    return {path.removeprefix(PREFIX): list(messages) for path, messages in field_errors.items()}


__all__ = ["read_document", "router"]
