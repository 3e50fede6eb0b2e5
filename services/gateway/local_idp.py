"""A small OpenID Connect provider for development and tests only; never for real staff.

It lets a newcomer sign in to the gateway as each staff role (``make run``) with no cloud account,
and lets tests drive a real authorization-code + PKCE sign-in through the gateway. Anyone who can
reach it can sign in as anyone by pressing a button: there are no passwords, the signing key lives
only in memory (a restart invalidates every token) and codes are kept in this process.

What it does keep strict is the protocol, so the gateway is tested against the checks a real
provider makes: exactly registered redirect URIs, mandatory PKCE (S256), single-use short-lived
codes bound to client, redirect URI and challenge, client authentication on the token endpoint,
RS256 tokens whose keys are published at ``/jwks``.

Run it with ``python -m services.gateway.local_idp --help``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

DEFAULT_TEAM = "housing-options"
CODE_SECONDS = 60
SCOPES = ("openid", "profile", "email")
# RFC 7636: a verifier is 43-128 unreserved characters; an S256 challenge is 32 bytes, base64url.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")
_AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)
# The pages ask the browser for nothing but inline style, and may not be framed (clickjacking a
# sign-in button would sign a visitor in as someone else, even here).
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_TOKEN_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class LocalUser:
    subject: str
    name: str
    roles: tuple[str, ...]
    team: str | None = DEFAULT_TEAM


@dataclass(frozen=True)
class LocalClient:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    # Roles the client gets for itself with grant_type=client_credentials; () = grant refused.
    service_roles: tuple[str, ...] = ()


# Invented people, one per staff role, a caseworker of another team so that tests can show a
# team's cases stay with the team, and a service manager who is both team leader and admin (the
# statement bank's editor who may also read the team's cases to try a statement on one).
DEFAULT_USERS: tuple[LocalUser, ...] = (
    LocalUser("local-caseworker", "Casey Worker (caseworker)", ("caseworker",)),
    LocalUser("local-team-leader", "Terry Leader (team leader)", ("team_leader",)),
    LocalUser("local-admin", "Ada Admin (admin)", ("admin",)),
    LocalUser("local-auditor", "Audrey Auditor (auditor)", ("auditor",)),
    LocalUser(
        "local-service-manager",
        "Sam Manager (team leader and admin)",
        ("team_leader", "admin"),
    ),
    LocalUser(
        "local-caseworker-other-team",
        "Otto Other (caseworker, other team)",
        ("caseworker",),
        team="other-team",
    ),
)


@dataclass(frozen=True)
class _SignIn:
    """An authorization request that passed every check."""

    client: LocalClient
    redirect_uri: str
    scope: str
    state: str
    nonce: str | None
    code_challenge: str


@dataclass(frozen=True)
class _Code:
    sign_in: _SignIn
    subject: str
    auth_time: int
    expires_at: float


class _Refused(Exception):  # noqa: N818 - control flow inside this module only
    def __init__(self, response: Response):
        super().__init__("refused")
        self.response = response


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _s256(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _single_values(items: Iterable[tuple[str, Any]]) -> tuple[dict[str, str], set[str]]:
    """The parameters, and the names given more than once (RFC 6749 3.1: never allowed)."""
    values: dict[str, str] = {}
    repeated: set[str] = set()
    for key, value in items:
        if not isinstance(value, str):
            continue  # a file upload: nothing here takes one
        if key in values:
            repeated.add(key)
        values[key] = value
    return values, repeated


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    headers = dict(_TOKEN_HEADERS)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="local-idp"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }}
.warning {{ background: #fff3cd; border: 1px solid #b38600; padding: .75rem; }}
ul {{ list-style: none; padding: 0; }}
li {{ margin: .5rem 0; }}
button {{ width: 100%; text-align: left; padding: .75rem; font-size: 1rem; cursor: pointer; }}
.detail {{ display: block; font-size: .85rem; color: #444; }}
</style>
</head>
<body>
<main>
<h1>Local sign-in (development only)</h1>
<p class="warning">This is the suite's local OpenID Connect provider, for development and tests.
Anyone can sign in as anyone here. Never use it for real staff or real data.</p>
{body}
</main>
</body>
</html>
"""
    return HTMLResponse(document, status_code=status, headers=_PAGE_HEADERS)


class _LocalIdp:
    def __init__(
        self,
        issuer: str,
        clients: Sequence[LocalClient],
        users: Sequence[LocalUser],
        api_audience: str,
        lifetime_seconds: int,
        clock: Callable[[], float],
    ):
        self.issuer = issuer
        self.api_audience = api_audience
        self.lifetime = lifetime_seconds
        self.clock = clock
        self.clients = {client.client_id: client for client in clients}
        self.users = {user.subject: user for user in users}
        self.codes: dict[str, _Code] = {}
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        # The key id is the key's RFC 7638 thumbprint: stable for the key, different for the next.
        canonical = json.dumps(
            {"e": public["e"], "kty": "RSA", "n": public["n"]}, separators=(",", ":")
        )
        self.kid = _b64url(hashlib.sha256(canonical.encode()).digest())
        self.jwk = {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}
        # Compared with when a client id is unknown, so a wrong id costs what a wrong secret does.
        self._decoy_secret = secrets.token_urlsafe(32)

    def url(self, path: str) -> str:
        return self.issuer + path

    def routes(self) -> list[Route]:
        return [
            Route("/.well-known/openid-configuration", self.discovery, methods=["GET"]),
            Route("/authorize", self.authorize_page, methods=["GET"]),
            Route("/authorize", self.authorize_submit, methods=["POST"]),
            Route("/token", self.token, methods=["POST"]),
            Route("/jwks", self.jwks, methods=["GET"]),
            Route("/userinfo", self.userinfo, methods=["GET", "POST"]),
        ]

    # --- discovery and keys -------------------------------------------------------------------

    async def discovery(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": self.url("/authorize"),
                "token_endpoint": self.url("/token"),
                "jwks_uri": self.url("/jwks"),
                "userinfo_endpoint": self.url("/userinfo"),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "scopes_supported": list(SCOPES),
                "subject_types_supported": ["public"],
                "claims_supported": [
                    "iss",
                    "sub",
                    "aud",
                    "iat",
                    "exp",
                    "nonce",
                    "auth_time",
                    "name",
                    "roles",
                    "team",
                ],
            }
        )

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse({"keys": [self.jwk]})

    # --- authorization ------------------------------------------------------------------------

    def _sign_in(self, items: Iterable[tuple[str, Any]]) -> _SignIn:
        """Checks an authorization request; raises _Refused with the answer when it fails."""
        values, repeated = _single_values(items)
        client = self.clients.get(values.get("client_id", ""))
        if client is None or "client_id" in repeated:
            raise _Refused(_error_page("The client_id is missing or not registered here."))
        redirect_uri = values.get("redirect_uri", "")
        if "redirect_uri" in repeated or redirect_uri not in client.redirect_uris:
            raise _Refused(
                _error_page("The redirect_uri is missing or not registered for this client.")
            )
        state = values.get("state", "")

        def refuse(description: str, error: str = "invalid_request") -> _Refused:
            answer = {"error": error, "error_description": description}
            if state and "state" not in repeated:
                answer["state"] = state
            return _Refused(RedirectResponse(_with_query(redirect_uri, answer), status_code=302))

        wanted = [name for name in _AUTHORIZE_PARAMS if name in repeated]
        if wanted:
            raise refuse(f"parameters given more than once: {', '.join(wanted)}")
        if values.get("response_type") != "code":
            raise refuse("response_type must be code")
        requested = values.get("scope", "").split()
        if "openid" not in requested:
            raise refuse("scope must include openid")
        if not state:
            raise refuse("state is required")
        challenge = values.get("code_challenge", "")
        if values.get("code_challenge_method") != "S256" or not challenge:
            raise refuse("PKCE is required: code_challenge with code_challenge_method=S256")
        if not _S256_CHALLENGE.fullmatch(challenge):
            raise refuse("code_challenge is not a base64url SHA-256 digest")
        # Scopes this provider does not know are dropped, as RFC 6749 3.3 allows.
        scope = " ".join(dict.fromkeys(name for name in requested if name in SCOPES))
        return _SignIn(client, redirect_uri, scope, state, values.get("nonce") or None, challenge)

    async def authorize_page(self, request: Request) -> Response:
        try:
            sign_in = self._sign_in(request.query_params.multi_items())
        except _Refused as refused:
            return refused.response
        carried = {
            "response_type": "code",
            "client_id": sign_in.client.client_id,
            "redirect_uri": sign_in.redirect_uri,
            "scope": sign_in.scope,
            "state": sign_in.state,
            "code_challenge": sign_in.code_challenge,
            "code_challenge_method": "S256",
        }
        if sign_in.nonce is not None:
            carried["nonce"] = sign_in.nonce
        hidden = "\n".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in carried.items()
        )
        buttons = "\n".join(
            f'<li><button type="submit" name="user" value="{html.escape(user.subject)}">'
            f"{html.escape(user.name)}"
            f'<span class="detail">roles: {html.escape(", ".join(user.roles) or "none")}; '
            f"team: {html.escape(user.team or 'none')}; subject: {html.escape(user.subject)}"
            "</span></button></li>"
            for user in self.users.values()
        )
        # A relative action: the form posts back to wherever the browser reached this page.
        body = f"""<p>Sign in to <strong>{html.escape(sign_in.client.client_id)}</strong> as:</p>
<form method="post" action="authorize">
{hidden}
<ul>
{buttons}
</ul>
<p><button type="submit" name="deny" value="1">Cancel (the application is told access_denied)
</button></p>
</form>
"""
        return _page("Local sign-in (development only)", body)

    async def authorize_submit(self, request: Request) -> Response:
        form = await request.form()
        try:
            sign_in = self._sign_in(form.multi_items())
        except _Refused as refused:
            return refused.response
        answer = {"state": sign_in.state}
        if form.get("deny"):
            answer = {"error": "access_denied", "error_description": "sign-in cancelled", **answer}
            return RedirectResponse(_with_query(sign_in.redirect_uri, answer), status_code=302)
        subject = form.get("user")
        if not isinstance(subject, str) or subject not in self.users:
            answer = {"error": "invalid_request", "error_description": "unknown user", **answer}
            return RedirectResponse(_with_query(sign_in.redirect_uri, answer), status_code=302)
        now = self.clock()
        self.codes = {key: code for key, code in self.codes.items() if code.expires_at > now}
        code = secrets.token_urlsafe(32)
        self.codes[code] = _Code(sign_in, subject, int(now), now + CODE_SECONDS)
        answer = {"code": code, **answer}
        return RedirectResponse(_with_query(sign_in.redirect_uri, answer), status_code=302)

    # --- token --------------------------------------------------------------------------------

    def _client(self, request: Request, params: dict[str, str]) -> LocalClient:
        """The client the request authenticates as (RFC 6749 2.3.1); raises _Refused if none."""
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if header and scheme.lower() == "basic":
            if "client_secret" in params:
                raise _Refused(
                    _oauth_error("invalid_request", "use one client authentication method")
                )
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
            except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
                decoded = ""
            client_id, colon, secret = decoded.partition(":")
            if not colon:
                raise _Refused(_oauth_error("invalid_client", "malformed Basic credentials", 401))
            # RFC 6749 form-encodes both parts; many clients (authlib among them) do not.
            candidates = {(client_id, secret), (unquote_plus(client_id), unquote_plus(secret))}
            if params.get("client_id") not in (None, *(c[0] for c in candidates)):
                raise _Refused(_oauth_error("invalid_request", "client_id does not match"))
        elif "client_secret" in params:
            candidates = {(params.get("client_id", ""), params["client_secret"])}
        else:
            raise _Refused(_oauth_error("invalid_client", "client authentication required", 401))
        found = None
        for client_id, secret in candidates:
            client = self.clients.get(client_id)
            expected = client.client_secret if client else self._decoy_secret
            if hmac.compare_digest(secret.encode(), expected.encode()) and client is not None:
                found = client
        if found is None:
            raise _Refused(_oauth_error("invalid_client", "client authentication failed", 401))
        return found

    async def token(self, request: Request) -> Response:
        form: FormData = await request.form()
        params, repeated = _single_values(form.multi_items())
        try:
            if repeated:
                raise _Refused(
                    _oauth_error(
                        "invalid_request", f"given more than once: {', '.join(sorted(repeated))}"
                    )
                )
            client = self._client(request, params)
            grant_type = params.get("grant_type")
            if grant_type == "authorization_code":
                body = self._code_grant(client, params)
            elif grant_type == "client_credentials":
                body = self._client_grant(client, params)
            elif not grant_type:
                raise _Refused(_oauth_error("invalid_request", "grant_type is required"))
            else:
                raise _Refused(
                    _oauth_error(
                        "unsupported_grant_type", "authorization_code or client_credentials"
                    )
                )
        except _Refused as refused:
            return refused.response
        return JSONResponse(body, headers=_TOKEN_HEADERS)

    def _code_grant(self, client: LocalClient, params: dict[str, str]) -> dict[str, Any]:
        missing = [
            name for name in ("code", "redirect_uri", "code_verifier") if not params.get(name)
        ]
        if missing:
            raise _Refused(_oauth_error("invalid_request", f"missing: {', '.join(missing)}"))
        # Consumed whatever follows: a code is good for one attempt, right or wrong.
        code = self.codes.pop(params["code"], None)
        now = self.clock()
        if code is None or code.expires_at <= now:
            raise _Refused(_oauth_error("invalid_grant", "the code is unknown, used or expired"))
        sign_in = code.sign_in
        if sign_in.client.client_id != client.client_id:
            raise _Refused(_oauth_error("invalid_grant", "the code was issued to another client"))
        if params["redirect_uri"] != sign_in.redirect_uri:
            raise _Refused(_oauth_error("invalid_grant", "redirect_uri differs from the request"))
        verifier = params["code_verifier"]
        if not _VERIFIER.fullmatch(verifier) or not hmac.compare_digest(
            _s256(verifier), sign_in.code_challenge
        ):
            raise _Refused(_oauth_error("invalid_grant", "code_verifier does not match"))
        user = self.users[code.subject]
        issued = int(now)
        id_claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user.subject,
            "aud": client.client_id,
            "iat": issued,
            "exp": issued + self.lifetime,
            "auth_time": code.auth_time,
            "name": user.name,
            "roles": list(user.roles),
        }
        if user.team is not None:
            id_claims["team"] = user.team
        if sign_in.nonce is not None:
            id_claims["nonce"] = sign_in.nonce
        access = self._access_token(client, user.subject, user.roles, user.team, sign_in.scope)
        return {
            "access_token": access,
            "id_token": self._sign(id_claims),
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "scope": sign_in.scope,
        }

    def _client_grant(self, client: LocalClient, params: dict[str, str]) -> dict[str, Any]:
        if not client.service_roles:
            raise _Refused(
                _oauth_error("unauthorized_client", "this client may not use client_credentials")
            )
        scope = params.get("scope", "")
        access = self._access_token(client, client.client_id, client.service_roles, None, scope)
        return {"access_token": access, "token_type": "Bearer", "expires_in": self.lifetime}

    def _access_token(
        self,
        client: LocalClient,
        subject: str,
        roles: tuple[str, ...],
        team: str | None,
        scope: str,
    ) -> str:
        issued = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.api_audience,
            "iat": issued,
            "exp": issued + self.lifetime,
            "roles": list(roles),
            "client_id": client.client_id,
            "scope": scope,
            "jti": uuid.uuid4().hex,
        }
        if team is not None:
            claims["team"] = team
        # RFC 9068's type keeps an access token from passing for an ID token, and back.
        return self._sign(claims, typ="at+jwt")

    def _sign(self, claims: dict[str, Any], typ: str = "JWT") -> str:
        return jwt.encode(
            claims, self.private_key, algorithm="RS256", headers={"kid": self.kid, "typ": typ}
        )

    # --- userinfo -----------------------------------------------------------------------------

    async def userinfo(self, request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return JSONResponse(
                {"error": "invalid_request", "error_description": "a Bearer token is required"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="local-idp"'},
            )
        try:
            if jwt.get_unverified_header(token.strip()).get("typ") != "at+jwt":
                raise jwt.InvalidTokenError("not an access token")
            claims = jwt.decode(
                token.strip(),
                self.private_key.public_key(),
                algorithms=["RS256"],
                audience=self.api_audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
            # Client identifiers and user subjects never overlap (checked at creation), so a
            # client acting for itself finds no user here.
            user = self.users.get(claims["sub"])
            if user is None or "openid" not in str(claims.get("scope", "")).split():
                raise jwt.InvalidTokenError("the token names no user")
        except jwt.PyJWTError:
            return JSONResponse(
                {"error": "invalid_token", "error_description": "the token is not valid here"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="local-idp", error="invalid_token"'},
            )
        return JSONResponse(
            {"sub": user.subject, "name": user.name, "roles": list(user.roles), "team": user.team},
            headers={"Cache-Control": "no-store"},
        )


def _error_page(message: str) -> HTMLResponse:
    body = (
        f"<p>This sign-in request cannot go on: {html.escape(message)}</p>\n"
        "<p>Nothing was sent back to the application, since it could not be told apart from an "
        "impostor.</p>"
    )
    return _page("Local sign-in (development only): bad request", body, status=400)


def create_local_idp(
    issuer: str,
    clients: Sequence[LocalClient],
    users: Sequence[LocalUser] = DEFAULT_USERS,
    *,
    api_audience: str = "housing-options-api",
    lifetime_seconds: int = 600,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The provider as an ASGI app served at ``issuer`` (its full base URL, e.g.
    ``http://127.0.0.1:8001``). ``clock`` is for tests that need codes or tokens to expire."""
    issuer = issuer.rstrip("/")
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("the issuer is an http(s) URL with no query or fragment")
    if lifetime_seconds <= 0:
        raise ValueError("lifetime_seconds must be positive")
    client_ids = [client.client_id for client in clients]
    subjects = [user.subject for user in users]
    if len(set(client_ids)) != len(client_ids) or len(set(subjects)) != len(subjects):
        raise ValueError("client ids and user subjects must each be unique")
    if set(client_ids) & set(subjects):
        raise ValueError("a client id may not also be a user subject")
    if any(not client.client_id or not client.client_secret for client in clients):
        raise ValueError("every client needs an id and a secret")
    provider = _LocalIdp(issuer, clients, users, api_audience, lifetime_seconds, clock)
    app = Starlette(routes=provider.routes())
    app.state.local_idp = provider
    return app


# --- command line -----------------------------------------------------------------------------

DEFAULT_CLIENT = "gateway-local:local-secret:http://127.0.0.1:8000/auth/callback"
_ROLE_LIST = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*(\+[A-Za-z_][A-Za-z0-9_.-]*)*")


def parse_client(text: str) -> LocalClient:
    """``id:secret:redirect[,redirect2][:role1+role2]``. Redirect URIs hold colons, so the last
    part is read as roles only when it looks like role names (a port number does not)."""
    client_id, _, rest = text.partition(":")
    secret, _, rest = rest.partition(":")
    redirects, roles = rest, ""
    head, colon, tail = rest.rpartition(":")
    if colon and _ROLE_LIST.fullmatch(tail) and (not head or "/" in head or "," in head):
        redirects, roles = head, tail
    if not client_id or not secret:
        raise ValueError("a client is id:secret:redirect[,redirect2][:role1+role2]")
    return LocalClient(
        client_id=client_id,
        client_secret=secret,
        redirect_uris=tuple(uri for uri in redirects.split(",") if uri),
        service_roles=tuple(role for role in roles.split("+") if role),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m services.gateway.local_idp",
        description="Local OpenID Connect provider, for development and tests only.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument(
        "--issuer", help="the base URL clients reach it at (default from host/port)"
    )
    parser.add_argument(
        "--client",
        action="append",
        type=_client_argument,
        help=f"id:secret:redirect[,redirect2][:role1+role2], repeatable (default {DEFAULT_CLIENT})",
    )
    parser.add_argument("--api-audience", default="housing-options-api")
    parser.add_argument("--lifetime", type=int, default=600, help="token lifetime in seconds")
    args = parser.parse_args(argv)
    issuer = args.issuer or f"http://{args.host}:{args.port}"
    clients = args.client or [parse_client(DEFAULT_CLIENT)]
    app = create_local_idp(
        issuer, clients, api_audience=args.api_audience, lifetime_seconds=args.lifetime
    )
    print(
        f"Local OpenID Connect provider at {issuer.rstrip('/')}: for development and tests only, "
        "anyone can sign in as anyone.",
        flush=True,
    )
    import uvicorn  # only when serving: importing this module for tests needs no server

    # No access log: request lines carry states and codes, and nothing here needs recording.
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning")


def _client_argument(text: str) -> LocalClient:
    try:
        return parse_client(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


if __name__ == "__main__":
    main()
