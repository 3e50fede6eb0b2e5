"""How the services' errors, and the gateway's own, become HTTP responses: problem details (RFC
9457, ``application/problem+json``) with a stable ``code``. Validation problems name each field by
its path; an unexpected error says only its reference id, which is in the gateway's log with the
cause."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from services.gateway.rpc_client import BrokerUnavailable, RemoteError, RpcTimeout
from shared.errors import Conflict, Forbidden, InternalError, NotFound, ValidationFailed
from shared.validation import flatten_messages

log = logging.getLogger("gateway")
PROBLEM = "application/problem+json"


class ApiProblem(Exception):  # noqa: N818 - a response, not a failure of the gateway
    """A problem the gateway itself reports (not signed in, a used sign-in link, too many
    requests...)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        headers: dict[str, str] | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers, self.fields = headers or {}, fields


class Problem(BaseModel):
    """Every error the API answers with (RFC 9457 problem details)."""

    type: str = "about:blank"
    title: str
    status: int
    code: str = Field(description="Stable, for programs: e.g. validation_failed, forbidden.")
    detail: str = Field(description="For people: what went wrong and what to do.")
    errors: dict[str, list[str]] | None = Field(
        default=None, description="validation_failed: messages by field path (answers.postcode)."
    )
    reference: str | None = Field(
        default=None, description="internal_error: quote it; the gateway's log has the cause."
    )


PROBLEM_SCHEMA_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_response(description: str) -> dict[str, Any]:
    # The schema itself is added to the document's components by app.py (api_document).
    return {"description": description, "content": {PROBLEM: {"schema": PROBLEM_SCHEMA_REF}}}


# What any API route may answer besides its success (OpenAPI "responses").
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_response("Malformed: not JSON, or a sign-in step that does not match"),
    401: _problem_response("Not signed in, or the credentials were refused"),
    403: _problem_response(
        "Not allowed (the services' rules), a missing CSRF token or a cross-site request"
    ),
    404: _problem_response("No such thing"),
    409: _problem_response("It clashes with the current state"),
    413: _problem_response("The body is larger than MAX_BODY_BYTES"),
    422: _problem_response("What was sent is not valid: errors by field path"),
    429: _problem_response("Too many requests of this kind: see Retry-After"),
    500: _problem_response("An unexpected error: quote the reference"),
    503: _problem_response("The services or the identity provider cannot be reached"),
    504: _problem_response("A service did not answer in time"),
}

TITLES = {
    400: "Bad request",
    401: "Sign-in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Service unavailable",
    504: "Service did not answer",
}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    fields: dict[str, list[str]] | None = None,
    reference: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if fields is not None:
        body["errors"] = fields
    if reference is not None:
        body["reference"] = reference
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def unexpected(error: BaseException, where: str) -> JSONResponse:
    reference = uuid.uuid4().hex[:12]
    # The type and the place only: a service's message may quote what it was sent.
    log.error("unexpected error %s at %s: %s", reference, where, type(error).__name__)
    return problem(
        500,
        "internal_error",
        "Something went wrong. Quote this reference if you contact the council.",
        reference=reference,
    )


async def on_validation_failed(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ValidationFailed)
    return problem(
        422,
        "validation_failed",
        "Some of what was sent is not valid: see errors.",
        fields=flatten_messages(error.field_errors),
    )


async def on_request_validation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    if any(item.get("type") == "json_invalid" for item in error.errors()):
        return problem(400, "bad_json", "The body is not valid JSON.")
    fields: dict[str, list[str]] = {}
    for item in error.errors():
        # ("body", "answers", "postcode") -> "answers.postcode"; query and path parameters by
        # their name.
        location = [str(part) for part in item.get("loc", ()) if part not in ("body",)]
        if location and location[0] in ("query", "path", "header"):
            location = location[1:]
        fields.setdefault(".".join(location) or "_schema", []).append(str(item.get("msg")))
    return problem(
        422, "validation_failed", "Some of what was sent is not valid: see errors.", fields=fields
    )


async def on_not_found(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NotFound)
    return problem(404, "not_found", f"No {error.entity} with that id or reference.")


async def on_conflict(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Conflict)
    return problem(409, "conflict", error.message)


async def on_forbidden(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Forbidden)
    return problem(403, "forbidden", f"Not allowed: {error.reason}.")


async def on_api_problem(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiProblem)
    return problem(
        error.status, error.code, error.detail, fields=error.fields, headers=error.headers
    )


async def on_timeout(request: Request, _error: Exception) -> JSONResponse:
    return problem(504, "service_timeout", "A service did not answer in time. Try again.")


async def on_broker_unavailable(_request: Request, _error: Exception) -> JSONResponse:
    return problem(
        503,
        "services_unavailable",
        "The services cannot be reached just now. Try again in a minute.",
        headers={"Retry-After": "30"},
    )


async def on_internal_error(request: Request, error: Exception) -> JSONResponse:
    """A service's own unexpected error: its reference is passed on, so the one the person quotes
    finds the cause in that service's log (the gateway logs it too, with the address)."""
    assert isinstance(error, InternalError)
    reference = "".join(c for c in str(error.reference) if c.isalnum())[:32] or None
    if reference is None:
        return unexpected(error, request.url.path)
    log.error("internal error %s in a service at %s", reference, request.url.path)
    return problem(
        500,
        "internal_error",
        "Something went wrong. Quote this reference if you contact the council.",
        reference=reference,
    )


async def on_remote_error(request: Request, error: Exception) -> JSONResponse:
    return unexpected(error, request.url.path)


async def on_http_exception(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, f"http_{status}")
    detail = {404: "There is nothing at this address."}.get(status, str(error.detail))
    return problem(status, code, detail, headers=getattr(error, "headers", None))


HANDLERS = {
    ValidationFailed: on_validation_failed,
    RequestValidationError: on_request_validation,
    NotFound: on_not_found,
    Conflict: on_conflict,
    Forbidden: on_forbidden,
    InternalError: on_internal_error,
    ApiProblem: on_api_problem,
    RpcTimeout: on_timeout,
    BrokerUnavailable: on_broker_unavailable,
    RemoteError: on_remote_error,
    StarletteHTTPException: on_http_exception,
}
