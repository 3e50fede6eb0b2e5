"""Signing in and out.

- Staff: ``GET /auth/login`` sends the browser to the OpenID Connect provider (authorization
  code with PKCE); ``GET /auth/callback`` checks what comes back and opens a session.
- Customers: ``POST /auth/sign-in-links`` emails a single-use link that works for
  ``MAGIC_LINK_MINUTES``; opening it shows a button that posts it back
  (``POST /auth/sign-in-links/redeem``): a mail scanner that follows the link does not use it up.
- ``POST /auth/sign-out`` ends the session; ``GET /api/v1/me`` says who is signed in and gives
  the CSRF token for unsafe requests.
- ``GET /auth/session`` says how long the session has left without extending it (the pages'
  timeout warning asks while the person does nothing); ``POST /auth/session/extend`` is "Stay
  signed in"; ``GET /auth/signed-out`` is where the warning goes when the time is up, and says
  why (docs/web.md, "Session timeout").

Sessions live in the gateway's database; the cookie holds a random id (``HttpOnly``,
``SameSite=Lax``, ``Secure`` unless ``SESSION_COOKIE_SECURE=false`` for plain-HTTP local runs).
"""

from __future__ import annotations

import html
import math
import re
import secrets
import urllib.parse
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel, ConfigDict, Field

from services.gateway import repository
from services.gateway.context import (
    SESSION_COOKIE,
    Gateway,
    current_principal,
    gateway_of,
    session_cookie,
    signed_in,
)
from services.gateway.errors import PROBLEM_RESPONSES, ApiProblem
from services.gateway.notify import NotificationFailed, SignInLink
from services.gateway.oidc import ProviderUnavailable, TokenRejected
from services.gateway.principal import Principal, customer_id
from services.gateway.web.rendering import page
from shared.clock import utcnow

LOGIN_COOKIE = "ho_login"
LOGIN_SECONDS = 600
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
EMAIL_LIMIT = 254


def looks_like_email(text: str) -> bool:
    """An address's shape, the length checked first: the pattern backtracks, which over a
    megabyte of form text would hold the gateway's event loop for minutes."""
    return len(text) <= EMAIL_LIMIT and EMAIL.match(text) is not None


router = APIRouter(tags=["sign-in"], responses=PROBLEM_RESPONSES)


class SignInLinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254, description="Where to send the link.")


class SignInLinkSent(BaseModel):
    sent: bool
    expires_minutes: int


class RedeemRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=20, max_length=100)


class Me(BaseModel):
    kind: str = Field(description="staff, customer or client")
    subject: str
    roles: list[str]
    team: str | None
    csrf_token: str | None = Field(
        description="Send as X-CSRF-Token on POST, PUT, PATCH and DELETE (sessions only)."
    )


class SessionTime(BaseModel):
    seconds_left: int = Field(
        description="Seconds until the session ends: the sooner of its idle and longest limits."
    )
    idle_seconds_left: int = Field(
        description="Seconds until SESSION_IDLE_MINUTES without activity have passed."
    )
    absolute_seconds_left: int = Field(
        description="Seconds until SESSION_MAX_HOURS after signing in: nothing extends this."
    )
    extendable: bool = Field(
        description="False once the longest life is the nearer limit: extending gains nothing."
    )
    warning_seconds: int = Field(description="How long before the end the pages warn.")


def _login_serializer(gateway: Gateway) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(gateway.settings.session_secret, salt="oidc-login")


def _local_path(value: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _set_session_cookie(gateway: Gateway, response: Response, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        secure=gateway.settings.session_cookie_secure,
        samesite="lax",
        path="/",
    )


async def _open_session(gateway: Gateway, principal: Principal) -> tuple[str, str]:
    return await gateway.store.run(
        repository.create_session, principal.to_dict(), utcnow(), gateway.idle, gateway.longest
    )


@router.get(
    "/auth/login",
    summary="Staff sign-in: to the identity provider",
    responses={
        302: {"description": "To the identity provider"},
        200: {
            "description": "The browser's session has just ended: a page that says why, with a"
            " link to sign in again",
            "content": {"text/html": {}},
        },
    },
)
async def login(request: Request, return_to: str = "/") -> Response:
    gateway = gateway_of(request)
    if gateway.oidc is None:
        raise ApiProblem(404, "not_configured", "Staff sign-in is not configured (OIDC_ISSUER).")
    ended = await _ended_session(request)
    if ended is not None:
        # Sent here by a page after their session ended (no JavaScript, or it never ran): say
        # why before going to the provider, which may sign them straight back in.
        return _signed_out_page(gateway, ended, _local_path(return_to))
    await gateway.limit(request, "sign-in", gateway.settings.rate_limit_sign_in)
    try:
        metadata = await gateway.oidc.metadata()
    except ProviderUnavailable:
        raise ApiProblem(503, "identity_provider_unavailable", "Sign-in is unavailable.") from None
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    verifier = verifier + secrets.token_urlsafe(16)  # 43-128 characters (RFC 7636)
    async with gateway.oidc.client() as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
        )
    response = RedirectResponse(url, status_code=302)
    transaction = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "to": _local_path(return_to),
    }
    response.set_cookie(
        LOGIN_COOKIE,
        _login_serializer(gateway).dumps(transaction),
        max_age=LOGIN_SECONDS,
        httponly=True,
        secure=gateway.settings.session_cookie_secure,
        samesite="lax",
        path="/auth",
    )
    return response


@router.get("/auth/callback", summary="Staff sign-in: back from the identity provider")
async def callback(
    request: Request, code: str = "", state: str = "", error: str = ""
) -> RedirectResponse:
    gateway = gateway_of(request)
    if gateway.oidc is None:
        raise ApiProblem(404, "not_configured", "Staff sign-in is not configured (OIDC_ISSUER).")
    await gateway.limit(request, "sign-in", gateway.settings.rate_limit_sign_in)
    try:
        transaction = _login_serializer(gateway).loads(
            request.cookies.get(LOGIN_COOKIE, ""), max_age=LOGIN_SECONDS
        )
    except BadSignature:
        raise ApiProblem(
            400, "sign_in_expired", "This sign-in was not started here or took too long."
        ) from None
    if error:
        raise ApiProblem(401, "sign_in_refused", "The identity provider did not sign you in.")
    if not code or not secrets.compare_digest(state, transaction["state"]):
        raise ApiProblem(400, "sign_in_mismatch", "The sign-in response does not match.")
    try:
        metadata = await gateway.oidc.metadata()
        async with gateway.oidc.client() as client:
            tokens = await client.fetch_token(
                metadata["token_endpoint"],
                code=code,
                code_verifier=transaction["verifier"],
                grant_type="authorization_code",
            )
        claims = await gateway.oidc.verify(
            str(tokens.get("id_token") or ""),
            gateway.settings.oidc_client_id,
            nonce=transaction["nonce"],
        )
    except TokenRejected as rejected:
        raise ApiProblem(401, "sign_in_refused", f"Sign-in failed: {rejected}.") from None
    except ProviderUnavailable:
        raise ApiProblem(503, "identity_provider_unavailable", "Sign-in is unavailable.") from None
    except Exception as failure:  # noqa: BLE001 - authlib's OAuth errors, network errors
        raise ApiProblem(
            401, "sign_in_refused", f"Sign-in failed ({type(failure).__name__})."
        ) from None
    principal = gateway.oidc.person(claims)
    if principal is None:
        raise ApiProblem(403, "no_role", "Your account has no role in this service.")
    session_id, _ = await _open_session(gateway, principal)
    response = RedirectResponse(transaction["to"], status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    _set_session_cookie(gateway, response, session_id)
    return response


@router.post(
    "/auth/sign-in-links",
    status_code=202,
    response_model=SignInLinkSent,
    summary="Customers: email me a sign-in link",
    responses={429: {"description": "Too many links asked for"}},
)
async def send_sign_in_link(request: Request, body: SignInLinkRequest) -> SignInLinkSent:
    if not looks_like_email(body.email.strip()):
        raise ApiProblem(
            422,
            "validation_failed",
            "Check the email address.",
            fields={"email": ["enter an email address, like name@example.com"]},
        )
    minutes = await send_sign_in_email(request, body.email)
    return SignInLinkSent(sent=True, expires_minutes=minutes)


async def send_sign_in_email(request: Request, email: str) -> int:
    """A new single-use link for ``email``, sent (or in the outbox): its minutes to live. Rate
    limited per client address and per address asked for."""
    gateway = gateway_of(request)
    customer = customer_id(email, gateway.settings.customer_key)
    await gateway.limit(request, "sign-in-link", gateway.settings.rate_limit_magic_link, customer)
    minutes = gateway.settings.magic_link_minutes
    token = await gateway.store.run(
        repository.create_sign_in_link, customer, utcnow(), timedelta(minutes=minutes)
    )
    link = SignInLink(
        email=email.strip(),
        url=f"{gateway.settings.public_url}/auth/sign-in-links/{token}",
        expires_minutes=minutes,
    )
    try:
        await gateway.notifier.send_sign_in_link(link)
    except NotificationFailed:
        raise ApiProblem(
            503, "notification_failed", "The email could not be sent. Try again later."
        ) from None
    return minutes


@router.get(
    "/auth/sign-in-links/{token}",
    response_class=HTMLResponse,
    summary="Customers: the page a sign-in link opens",
)
async def sign_in_link_page(token: str) -> HTMLResponse:
    # Nothing is used up here: the button posts the link back.
    return page("sign_in_link.html", title="Sign in", token=token)


@router.post(
    "/auth/sign-in-links/redeem",
    response_model=Me,
    summary="Customers: use a sign-in link (once)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": RedeemRequest.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": RedeemRequest.model_json_schema()},
            },
            "required": True,
        }
    },
)
async def redeem_sign_in_link(request: Request) -> Response:
    gateway = gateway_of(request)
    await gateway.limit(request, "sign-in", gateway.settings.rate_limit_sign_in)
    is_form = request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )
    if is_form:
        raw: Any = dict(await request.form())
    else:
        try:
            raw = await request.json()
        except ValueError:
            raise ApiProblem(400, "bad_json", "The body is not JSON.") from None
    try:
        body = RedeemRequest.model_validate(raw)
    except Exception:  # noqa: BLE001 - pydantic's error, reported by field
        raise ApiProblem(
            422,
            "validation_failed",
            "The link is not complete.",
            fields={"token": ["copy the whole link from the email"]},
        ) from None
    outcome = await gateway.store.run(repository.redeem_sign_in_link, body.token, utcnow())
    if outcome in ("unknown", "used", "expired"):
        detail = {
            "unknown": "This sign-in link is not recognised. Ask for a new one.",
            "used": "This sign-in link has already been used. Ask for a new one.",
            "expired": "This sign-in link has expired. Ask for a new one.",
        }[outcome]
        raise ApiProblem(400, f"sign_in_link_{outcome}", detail)
    principal = Principal.customer(outcome)
    session_id, csrf_token = await _open_session(gateway, principal)
    if is_form:
        response: Response = RedirectResponse("/apply", status_code=303)
    else:
        response = JSONResponse({**principal.to_dict(), "csrf_token": csrf_token})
    _set_session_cookie(gateway, response, session_id)
    return response


@router.post(
    "/auth/sign-out",
    status_code=204,
    summary="Sign out (ends the session)",
    responses={303: {"description": "A form's sign-out (the pages): to the signed-out page"}},
)
async def sign_out(
    request: Request, principal: Annotated[Principal, Depends(signed_in)]
) -> Response:
    gateway = gateway_of(request)
    if principal.session_id:
        await gateway.store.run(repository.end_session, principal.session_id)
    response = Response(status_code=204)
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        kind = "customer" if principal.is_customer else "staff"
        response = RedirectResponse(f"/auth/signed-out?kind={kind}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _session_time(gateway: Gateway, stored: repository.StoredSession) -> SessionTime:
    now = utcnow()

    def seconds_to(moment: datetime) -> int:
        # Rounded up: 0 only once it has passed, so a page never acts on a session still open.
        return max(0, math.ceil((moment - now).total_seconds()))

    return SessionTime(
        seconds_left=seconds_to(stored.expires_at),
        idle_seconds_left=seconds_to(stored.last_seen_at + gateway.idle),
        absolute_seconds_left=seconds_to(stored.longest_at),
        extendable=stored.extendable,
        warning_seconds=gateway.settings.session_warning_seconds,
    )


@router.get(
    "/auth/session",
    response_model=SessionTime,
    summary="How long this browser session has left (asking does not extend it)",
)
async def session_time(request: Request) -> SessionTime:
    # Not through current_principal: asking is not activity, or a page left open and asking
    # would never be signed out.
    gateway = gateway_of(request)
    session_id = session_cookie(request)
    stored = (
        await gateway.store.run(repository.read_session, session_id, utcnow(), gateway.longest)
        if session_id
        else None
    )
    if stored is None:
        raise ApiProblem(401, "sign_in_needed", "No browser session, or it has ended.")
    return _session_time(gateway, stored)


@router.post(
    "/auth/session/extend",
    response_model=SessionTime,
    summary="Stay signed in: the idle limit starts again (never past SESSION_MAX_HOURS)",
)
async def extend_session(
    request: Request, principal: Annotated[Principal, Depends(signed_in)]
) -> SessionTime:
    gateway = gateway_of(request)
    if not principal.session_id:
        raise ApiProblem(
            400, "no_session", "Only a browser session can be extended: a token has its expiry."
        )
    stored = await gateway.store.run(
        repository.touch_session,
        principal.session_id,
        utcnow(),
        gateway.idle,
        gateway.longest,
        True,
    )
    if stored is None:
        raise ApiProblem(401, "sign_in_needed", "The session has ended.")
    return _session_time(gateway, stored)


async def _ended_session(request: Request) -> repository.EndedSession | None:
    """Why the session the browser names has ended; None if it has not, or is unknown."""
    gateway = gateway_of(request)
    session_id = session_cookie(request)
    if not session_id:
        return None
    return await gateway.store.run(repository.ended_session, session_id, utcnow(), gateway.longest)


def _signed_out_page(
    gateway: Gateway,
    ended: repository.EndedSession | None,
    return_to: str,
    kind: str = "",
) -> Response:
    response = page(
        "signed_out.html",
        title="You have been signed out" if ended is not None else "You have signed out",
        reason=ended.reason if ended is not None else None,
        kind=ended.kind if ended is not None else kind,
        idle_minutes=gateway.settings.session_idle_minutes,
        max_hours=gateway.settings.session_max_hours,
        sign_in_again="/auth/login?" + urllib.parse.urlencode({"return_to": return_to}),
    )
    # The browser forgets the ended session: the next sign-in starts afresh.
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True)
    return response


@router.get("/auth/signed-out", include_in_schema=False)
async def signed_out(request: Request, return_to: str = "/", kind: str = "") -> Response:
    """Where the timeout warning goes when the server says the session has ended (and where a
    form's sign-out lands): why, and how to carry on. Still signed in (another tab kept the
    session going): back to the page."""
    gateway = gateway_of(request)
    back = _local_path(return_to)
    session_id = session_cookie(request)
    if session_id and await gateway.store.run(
        repository.read_session, session_id, utcnow(), gateway.longest
    ):
        return RedirectResponse(back, status_code=303)
    ended = await _ended_session(request)
    return _signed_out_page(gateway, ended, back, kind if kind in ("customer", "staff") else "")


@router.get("/api/v1/me", response_model=Me, summary="Who is signed in", tags=["me"])
async def me(principal: Annotated[Principal | None, Depends(current_principal)]) -> Me:
    if principal is None:
        raise ApiProblem(401, "sign_in_needed", "Nobody is signed in.")
    return Me(**principal.to_dict(), csrf_token=principal.csrf_token)


@router.get("/auth/local/outbox", include_in_schema=False)
async def local_outbox(request: Request) -> HTMLResponse:
    """make run only (LOCAL_DEVELOPMENT): the sign-in emails the local outbox holds, so a
    newcomer can sign in as a customer without an email account."""
    gateway = gateway_of(request)
    messages = getattr(gateway.notifier, "messages", None)
    if not gateway.settings.local_development or messages is None:
        raise ApiProblem(404, "not_found", "There is nothing at this address.")
    items = "".join(
        f"<li><p>To {html.escape(str(m.get('to')))} at {html.escape(str(m.get('sent_at')))}</p>"
        f'<p><a href="{html.escape(str(m.get("url")), quote=True)}">Open the sign-in link</a>'
        "</p></li>"
        for m in reversed(messages())
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local outbox</title>'
        "</head><body><main><h1>Local outbox (development only)</h1>"
        f"<ul>{items or '<li>No emails yet.</li>'}</ul></main></body></html>"
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})
