"""What the routes share: settings, the RPC client, the gateway's database, the token minter, the
OpenID Connect provider and the notifier; and the dependencies that say who is asking."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request

from services.gateway import repository
from services.gateway.errors import ApiProblem
from services.gateway.notify import Notifier
from services.gateway.oidc import OidcProvider, ProviderUnavailable, TokenRejected
from services.gateway.principal import InternalTokens, Principal
from services.gateway.rpc_client import RpcClient
from services.gateway.settings import RateLimit, Settings
from services.gateway.store import GatewayStore
from shared.clock import utcnow

SESSION_COOKIE = "ho_session"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Gateway:
    settings: Settings
    rpc: RpcClient
    store: GatewayStore
    tokens: InternalTokens
    notifier: Notifier
    oidc: OidcProvider | None

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.settings.session_idle_minutes)

    @property
    def longest(self) -> timedelta:
        return timedelta(hours=self.settings.session_max_hours)

    async def call(self, principal: Principal, service: str, method: str, *args: Any, **kw: Any):
        """``service.method(*args)`` as ``principal``: a customer's token names the enquiries and
        cases the gateway saw them start, which is what the services let them see."""
        enquiries: tuple[str, ...] = ()
        cases: tuple[str, ...] = ()
        if principal.is_customer:
            owned = await self.store.run(repository.customer_enquiries, principal.subject)
            enquiries = tuple(sorted(e for e, _ in owned))
            cases = tuple(sorted(c for _, c in owned if c))
        token = self.tokens.token_for(principal, enquiries, cases)
        return await self.rpc.call(
            service, method, *args, token=token, timeout=self.settings.rpc_timeout_seconds, **kw
        )

    async def case_question(self, principal: Principal, case: dict[str, Any]) -> dict[str, Any]:
        """What the advice service is asked about a case: its workflow, nation, answers and the
        facts its notice check derived. A customer's view names no enquiry: no answers then."""
        enquiry_id = case.get("enquiry_id")
        enquiry = (
            await self.call(principal, "enquiry", "get_enquiry", enquiry_id) if enquiry_id else {}
        )
        check = case.get("notice_check") or {}
        return {
            "workflow": case.get("workflow") or "",
            "answers": enquiry.get("answers") or {},
            "nation": case.get("nation") or "england",
            "derived": {
                key: check[key]
                for key in ("notice_verdict", "threatened_by_notice", "notice_threatened_from")
                if key in check
            },
        }

    async def limit(self, request: Request, kind: str, limit: RateLimit, who: str = "") -> None:
        """429 once this client (by address, and ``who`` when given) has made ``limit.count``
        requests of this kind in the current window."""
        client = request.client.host if request.client else "unknown"
        keys = [f"{kind}:ip:{client}"] + ([f"{kind}:who:{who}"] if who else [])
        for key in keys:
            count, retry_after = await self.store.run(
                repository.count_request, key[:120], limit.seconds, utcnow()
            )
            if count > limit.count:
                raise ApiProblem(
                    429,
                    "rate_limited",
                    f"Too many requests of this kind. Try again in {retry_after} seconds.",
                    headers={"Retry-After": str(retry_after)},
                )


def gateway_of(request: Request) -> Gateway:
    return request.app.state.gateway


async def current_principal(request: Request) -> Principal | None:
    """Who the request comes from: a bearer token (API clients, mobile apps), else the session
    cookie; None for nobody. A bearer token that fails is a 401, never a fall-back."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    gateway = gateway_of(request)
    principal: Principal | None = None
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiProblem(401, "bad_credentials", "Send an access token as: Bearer <token>.")
        if gateway.oidc is None:
            raise ApiProblem(401, "bad_credentials", "This gateway accepts no bearer tokens.")
        try:
            principal = await gateway.oidc.bearer(token.strip())
        except TokenRejected as rejected:
            raise ApiProblem(
                401,
                "bad_credentials",
                f"The access token was refused: {rejected}.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from None
        except ProviderUnavailable:
            raise ApiProblem(
                503, "identity_provider_unavailable", "Sign-in cannot be checked just now."
            ) from None
    else:
        session_id = session_cookie(request)
        if session_id:
            # Any request a signed-in browser makes is activity, except asking how long is left
            # (GET /auth/session, which reads the session without this).
            now = utcnow()
            stored = await gateway.store.run(
                repository.touch_session, session_id, now, gateway.idle, gateway.longest
            )
            if stored is not None:
                principal = Principal.from_dict(stored.principal, session_id, stored.csrf_token)
                # For the page: the timeout warning starts from this (web/rendering.py).
                request.state.session = stored
            else:
                # The page then says why they were signed out (web/rendering.py).
                request.state.session_ended = await gateway.store.run(
                    repository.ended_session, session_id, now, gateway.longest
                )
    request.state.principal = principal
    return principal


def session_cookie(request: Request) -> str | None:
    """The session id the browser sent, if it could be one."""
    session_id = request.cookies.get(SESSION_COOKIE)
    return session_id if session_id and len(session_id) < 200 else None


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def signed_in(
    request: Request, principal: Annotated[Principal | None, Depends(current_principal)]
) -> Principal:
    """Anyone signed in. A browser's unsafe request must also carry its session's CSRF token
    (header ``X-CSRF-Token``, or a form's ``csrf_token`` field for the web pages, a file
    upload's multipart form included)."""
    if principal is None:
        raise ApiProblem(
            401,
            "sign_in_needed",
            "Sign in first: staff at /auth/login, customers with a sign-in link.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if principal.session_id and request.method in UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent and request.headers.get("content-type", "").startswith(FORM_TYPES):
            field = (await request.form()).get("csrf_token")
            sent = field if isinstance(field, str) else ""
        if not (
            principal.csrf_token
            and hmac.compare_digest(sent.encode(), principal.csrf_token.encode())
        ):
            raise ApiProblem(
                403,
                "csrf_token_missing",
                "This request needs the session's CSRF token (X-CSRF-Token, from GET /api/v1/me).",
            )
    return principal
