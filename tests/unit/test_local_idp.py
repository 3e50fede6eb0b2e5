"""The local OpenID Connect provider (services/gateway/local_idp.py) keeps the protocol's checks,
so that the gateway's sign-in is tested against what a real provider refuses.

The app is driven in memory through httpx's ASGI transport under ``asyncio.run`` (Starlette's
TestClient hangs in this eventlet-patched process); the command line is tried in a subprocess.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from services.gateway.local_idp import (
    DEFAULT_USERS,
    LocalClient,
    LocalUser,
    create_local_idp,
    parse_client,
)

ISSUER = "http://idp.test"
CALLBACK = "http://127.0.0.1:8000/auth/callback"
GATEWAY = LocalClient("gateway-local", "local-secret", (CALLBACK,))
OTHER_APP = LocalClient("other-app", "other-secret", ("http://other.test/cb",))
REPORTING = LocalClient("reporting", "reporting-secret", (), service_roles=("auditor",))
CLIENTS = (GATEWAY, OTHER_APP, REPORTING)
API_AUDIENCE = "housing-options-api"
REPO = Path(__file__).resolve().parents[2]


def run(
    test: Callable[[httpx.AsyncClient], Awaitable[Any]], clock: Callable[[], float] = time.time
) -> Any:
    app = create_local_idp(ISSUER, CLIENTS, clock=clock)

    async def go() -> Any:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
            return await test(http)

    return asyncio.run(go())


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def authorize_params(challenge: str, **overrides: str | None) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": GATEWAY.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid profile email",
        "state": "state-123",
        "nonce": "nonce-456",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


class _Form(HTMLParser):
    """The sign-in page's hidden inputs and user buttons, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.users: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden":
            self.hidden[found["name"] or ""] = found.get("value") or ""
        if tag == "button" and found.get("name") == "user":
            self.users.append(found.get("value") or "")


def read_form(page: str) -> _Form:
    form = _Form()
    form.feed(page)
    return form


def query_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    return {key: values[0] for key, values in parse_qs(location.query).items()}


async def sign_in(
    http: httpx.AsyncClient, challenge: str, user: str = "local-caseworker", **overrides: str | None
) -> dict[str, str]:
    """Opens the sign-in page, presses the user's button; the redirect's query parameters."""
    page = await http.get("/authorize", params=authorize_params(challenge, **overrides))
    assert page.status_code == 200, page.text
    form = read_form(page.text)
    assert user in form.users
    return query_of(await http.post("/authorize", data={**form.hidden, "user": user}))


async def redeem(
    http: httpx.AsyncClient,
    code: str,
    verifier: str,
    client: LocalClient = GATEWAY,
    redirect_uri: str = CALLBACK,
) -> httpx.Response:
    return await http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(client.client_id, client.client_secret),
    )


async def published_key(http: httpx.AsyncClient, token: str) -> jwt.PyJWK:
    kid = jwt.get_unverified_header(token)["kid"]
    keys = (await http.get("/jwks")).json()["keys"]
    (entry,) = [key for key in keys if key["kid"] == kid]
    assert entry["kty"] == "RSA" and entry["use"] == "sig" and entry["alg"] == "RS256"
    assert {"n", "e"} <= entry.keys() and "d" not in entry
    return jwt.PyJWK(entry)


def test_discovery_document_names_the_endpoints_under_the_issuer():
    async def test(http: httpx.AsyncClient) -> None:
        document = (await http.get("/.well-known/openid-configuration")).json()
        assert document["issuer"] == ISSUER
        assert document["authorization_endpoint"] == f"{ISSUER}/authorize"
        assert document["token_endpoint"] == f"{ISSUER}/token"
        assert document["jwks_uri"] == f"{ISSUER}/jwks"
        assert document["userinfo_endpoint"] == f"{ISSUER}/userinfo"
        assert document["response_types_supported"] == ["code"]
        assert document["grant_types_supported"] == ["authorization_code", "client_credentials"]
        assert document["code_challenge_methods_supported"] == ["S256"]
        assert document["id_token_signing_alg_values_supported"] == ["RS256"]
        assert document["token_endpoint_auth_methods_supported"] == [
            "client_secret_basic",
            "client_secret_post",
        ]
        assert document["scopes_supported"] == ["openid", "profile", "email"]
        assert document["subject_types_supported"] == ["public"]

    run(test)


def test_code_and_pkce_sign_in_gives_tokens_signed_by_the_published_key():
    verifier, challenge = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        answer = await sign_in(http, challenge)
        assert answer["state"] == "state-123" and answer["code"]
        response = await redeem(http, answer["code"], verifier)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        tokens = response.json()
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 600
        assert tokens["scope"] == "openid profile email"

        id_token = tokens["id_token"]
        claims = jwt.decode(
            id_token,
            await published_key(http, id_token),
            algorithms=["RS256"],
            audience=GATEWAY.client_id,
            issuer=ISSUER,
        )
        assert claims["sub"] == "local-caseworker"
        assert claims["nonce"] == "nonce-456"
        assert claims["name"] == "Casey Worker (caseworker)"
        assert claims["roles"] == ["caseworker"]
        assert claims["team"] == "housing-options"
        assert claims["exp"] - claims["iat"] == 600
        assert abs(claims["auth_time"] - claims["iat"]) <= 1

        access_token = tokens["access_token"]
        access = jwt.decode(
            access_token,
            await published_key(http, access_token),
            algorithms=["RS256"],
            audience=API_AUDIENCE,
            issuer=ISSUER,
        )
        assert access["sub"] == "local-caseworker"
        assert access["roles"] == ["caseworker"]
        assert access["team"] == "housing-options"
        assert access["client_id"] == GATEWAY.client_id
        assert access["scope"] == "openid profile email"
        assert access["jti"]
        # Neither token passes for the other.
        with pytest.raises(jwt.InvalidAudienceError):
            jwt.decode(
                id_token, await published_key(http, id_token), ["RS256"], audience=API_AUDIENCE
            )

    run(test)


def test_each_default_user_signs_in_with_their_role_and_team():
    assert {role for user in DEFAULT_USERS for role in user.roles} == {
        "caseworker",
        "team_leader",
        "admin",
        "auditor",
    }
    other = [user for user in DEFAULT_USERS if user.team == "other-team"]
    assert [user.roles for user in other] == [("caseworker",)]

    async def test(http: httpx.AsyncClient) -> None:
        for user in DEFAULT_USERS:
            verifier, challenge = pkce()
            answer = await sign_in(http, challenge, user=user.subject, nonce=None)
            tokens = (await redeem(http, answer["code"], verifier)).json()
            claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
            assert (claims["sub"], claims["roles"], claims["team"]) == (
                user.subject,
                list(user.roles),
                user.team,
            )
            assert "nonce" not in claims

    run(test)


def test_a_wrong_code_verifier_is_refused_and_uses_up_the_code():
    verifier, challenge = pkce()
    wrong, _ = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        code = (await sign_in(http, challenge))["code"]
        refused = await redeem(http, code, wrong)
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
        # One attempt per code, so a verifier cannot be guessed at.
        assert (await redeem(http, code, verifier)).json()["error"] == "invalid_grant"

    run(test)


def test_a_code_is_good_once():
    verifier, challenge = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        code = (await sign_in(http, challenge))["code"]
        assert (await redeem(http, code, verifier)).status_code == 200
        replay = await redeem(http, code, verifier)
        assert replay.status_code == 400
        assert replay.json()["error"] == "invalid_grant"
        assert set(replay.json()) == {"error", "error_description"}

    run(test)


def test_a_code_expires_after_a_minute():
    verifier, challenge = pkce()
    now = [1_000_000.0]

    async def test(http: httpx.AsyncClient) -> None:
        code = (await sign_in(http, challenge))["code"]
        now[0] += 61
        assert (await redeem(http, code, verifier)).json()["error"] == "invalid_grant"

    run(test, clock=lambda: now[0])


def test_a_code_is_bound_to_its_client_and_redirect_uri():
    verifier, challenge = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        code = (await sign_in(http, challenge))["code"]
        stolen = await redeem(http, code, verifier, client=OTHER_APP)
        assert stolen.json()["error"] == "invalid_grant"
        code = (await sign_in(http, challenge))["code"]
        moved = await redeem(http, code, verifier, redirect_uri="http://127.0.0.1:8000/other")
        assert moved.json()["error"] == "invalid_grant"

    run(test)


@pytest.mark.parametrize(
    "overrides",
    [
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge_method": None},
        {"code_challenge_method": "plain"},
        {"code_challenge": "too-short"},
    ],
)
def test_a_sign_in_without_s256_pkce_is_refused(overrides: dict[str, str | None]):
    _, challenge = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        params = authorize_params(challenge, **overrides)
        for response in (
            await http.get("/authorize", params=params),
            await http.post("/authorize", data={**params, "user": "local-caseworker"}),
        ):
            answer = query_of(response)
            assert response.headers["location"].startswith(CALLBACK + "?")
            assert answer["error"] == "invalid_request"
            assert answer["state"] == "state-123"
            assert "code" not in answer

    run(test)


@pytest.mark.parametrize(
    "overrides",
    [
        {"response_type": "token"},
        {"scope": "profile email"},
        {"state": None},
    ],
)
def test_other_bad_requests_go_back_to_the_client_as_invalid_request(overrides):
    _, challenge = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        answer = query_of(
            await http.get("/authorize", params=authorize_params(challenge, **overrides))
        )
        assert answer["error"] == "invalid_request"
        assert answer.get("state") == overrides.get("state", "state-123")

    run(test)


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "https://attacker.test/cb"},
        {"redirect_uri": CALLBACK + "/"},
        {"redirect_uri": OTHER_APP.redirect_uris[0]},  # registered, but for another client
        {"redirect_uri": None},
        {"client_id": "unknown"},
        {"client_id": None},
    ],
)
def test_an_unregistered_client_or_redirect_uri_gets_a_page_not_a_redirect(overrides):
    _, challenge = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        params = authorize_params(challenge, **overrides)
        for response in (
            await http.get("/authorize", params=params),
            await http.post("/authorize", data={**params, "user": "local-caseworker"}),
        ):
            assert response.status_code == 400
            assert "location" not in response.headers
            assert response.headers["content-type"].startswith("text/html")
            assert "development only" in response.text

    run(test)


def test_the_sign_in_page_escapes_what_the_request_carries():
    _, challenge = pkce()
    state = '"><script>alert(1)</script>'

    async def test(http: httpx.AsyncClient) -> None:
        page = await http.get("/authorize", params=authorize_params(challenge, state=state))
        assert page.status_code == 200
        assert "Local sign-in (development only)" in page.text
        assert "<script>" not in page.text
        assert "&lt;script&gt;" in page.text
        assert page.headers["x-frame-options"] == "DENY"
        form = read_form(page.text)
        assert form.hidden["state"] == state  # escaped in the page, intact when submitted
        assert form.users == [user.subject for user in DEFAULT_USERS]
        answer = query_of(
            await http.post("/authorize", data={**form.hidden, "user": "local-admin"})
        )
        assert answer["state"] == state

    run(test)


def test_cancelling_or_an_unknown_user_sends_no_code():
    _, challenge = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        params = authorize_params(challenge)
        cancelled = query_of(await http.post("/authorize", data={**params, "deny": "1"}))
        assert cancelled["error"] == "access_denied" and cancelled["state"] == "state-123"
        unknown = query_of(await http.post("/authorize", data={**params, "user": "nobody"}))
        assert unknown["error"] == "invalid_request" and "code" not in unknown

    run(test)


def test_the_token_endpoint_authenticates_the_client():
    verifier, challenge = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        code = (await sign_in(http, challenge))["code"]
        grant = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        }
        for attempt in (
            http.post("/token", data=grant, auth=(GATEWAY.client_id, "wrong-secret")),
            http.post("/token", data=grant, auth=("unknown", GATEWAY.client_secret)),
            http.post("/token", data={**grant, "client_id": GATEWAY.client_id}),
            http.post(
                "/token",
                data={**grant, "client_id": GATEWAY.client_id, "client_secret": "wrong-secret"},
            ),
        ):
            response = await attempt
            assert response.status_code == 401
            assert response.json()["error"] == "invalid_client"
        # The code survived the failed attempts; client_secret_post redeems it.
        ok = await http.post(
            "/token",
            data={
                **grant,
                "client_id": GATEWAY.client_id,
                "client_secret": GATEWAY.client_secret,
            },
        )
        assert ok.status_code == 200, ok.text
        assert {"access_token", "id_token"} <= ok.json().keys()

    run(test)


def test_client_credentials_only_for_a_client_with_service_roles():
    async def test(http: httpx.AsyncClient) -> None:
        response = await http.post(
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(REPORTING.client_id, REPORTING.client_secret),
        )
        assert response.status_code == 200, response.text
        tokens = response.json()
        assert set(tokens) == {"access_token", "token_type", "expires_in"}
        claims = jwt.decode(
            tokens["access_token"],
            await published_key(http, tokens["access_token"]),
            algorithms=["RS256"],
            audience=API_AUDIENCE,
            issuer=ISSUER,
        )
        assert claims["sub"] == claims["client_id"] == REPORTING.client_id
        assert claims["roles"] == ["auditor"]
        assert "team" not in claims

        refused = await http.post(
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(GATEWAY.client_id, GATEWAY.client_secret),
        )
        assert refused.status_code == 400
        assert refused.json()["error"] == "unauthorized_client"
        unknown = await http.post(
            "/token", data={"grant_type": "password"}, auth=(GATEWAY.client_id, "local-secret")
        )
        assert unknown.json()["error"] == "unsupported_grant_type"

    run(test)


def test_userinfo_needs_a_users_access_token():
    verifier, challenge = pkce()

    async def test(http: httpx.AsyncClient) -> None:
        code = (await sign_in(http, challenge, user="local-team-leader"))["code"]
        tokens = (await redeem(http, code, verifier)).json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        info = await http.get("/userinfo", headers=bearer)
        assert info.status_code == 200
        assert info.json() == {
            "sub": "local-team-leader",
            "name": "Terry Leader (team leader)",
            "roles": ["team_leader"],
            "team": "housing-options",
        }

        missing = await http.get("/userinfo")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        for token in (tokens["id_token"], tokens["access_token"] + "x", "not-a-token"):
            refused = await http.get("/userinfo", headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 401
        service = await http.post(
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(REPORTING.client_id, REPORTING.client_secret),
        )
        machine = {"Authorization": f"Bearer {service.json()['access_token']}"}
        assert (await http.get("/userinfo", headers=machine)).status_code == 401

    run(test)


def test_tokens_from_another_instance_are_not_accepted():
    """Each start makes a new key: a token from an earlier run fails against the new keys."""
    verifier, challenge = pkce()

    async def first(http: httpx.AsyncClient) -> str:
        code = (await sign_in(http, challenge))["code"]
        return (await redeem(http, code, verifier)).json()["access_token"]

    token = run(first)

    async def second(http: httpx.AsyncClient) -> None:
        response = await http.get("/userinfo", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401

    run(second)


def test_the_gateways_oidc_client_signs_in_against_it():
    """The gateway's own pieces (authlib's client, OidcProvider's checks) accept what it gives."""
    with warnings.catch_warnings():
        # authlib's note about its httpx integration: authlib.deprecate sets an "always" filter
        # when first imported, so the "ignore" goes in front of it afterwards.
        import authlib.deprecate

        warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
        from authlib.common.security import generate_token

        from services.gateway.oidc import OidcProvider
        from services.gateway.settings import Settings

    app = create_local_idp(ISSUER, CLIENTS)
    settings = Settings(
        oidc_issuer=ISSUER,
        oidc_client_id=GATEWAY.client_id,
        oidc_client_secret=GATEWAY.client_secret,
        public_url="http://127.0.0.1:8000",
    )

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        provider = OidcProvider(settings, transport=transport)
        metadata = await provider.metadata()
        verifier = generate_token(64)
        async with (
            provider.client() as oauth,
            httpx.AsyncClient(transport=transport, base_url=ISSUER) as browser,
        ):
            url, state = oauth.create_authorization_url(
                metadata["authorization_endpoint"], code_verifier=verifier, nonce="n-1"
            )
            page = await browser.get(url)
            form = read_form(page.text)
            back = await browser.post("/authorize", data={**form.hidden, "user": "local-auditor"})
            tokens = await oauth.fetch_token(
                metadata["token_endpoint"],
                authorization_response=back.headers["location"],
                code_verifier=verifier,
                state=state,
            )
        claims = await provider.verify(tokens["id_token"], GATEWAY.client_id, nonce="n-1")
        assert provider.person(claims).roles == frozenset({"auditor"})
        principal = await provider.bearer(tokens["access_token"])
        assert principal.kind == "staff" and principal.team == "housing-options"
        await provider.close()

    asyncio.run(go())


def test_creation_refuses_ambiguous_configuration():
    with pytest.raises(ValueError):
        create_local_idp(ISSUER, [GATEWAY, GATEWAY])
    with pytest.raises(ValueError):
        create_local_idp(ISSUER, [LocalClient("local-admin", "s", (CALLBACK,))])
    with pytest.raises(ValueError):
        create_local_idp("127.0.0.1:8001", [GATEWAY])
    with pytest.raises(ValueError):
        create_local_idp(ISSUER, [GATEWAY], [LocalUser("a", "A", ()), LocalUser("a", "B", ())])


def test_the_command_line_client_format():
    assert parse_client("gateway-local:local-secret:http://127.0.0.1:8000/auth/callback") == (
        LocalClient("gateway-local", "local-secret", ("http://127.0.0.1:8000/auth/callback",))
    )
    assert parse_client("app:s:http://a.test/cb,http://localhost:9000:caseworker+admin") == (
        LocalClient(
            "app", "s", ("http://a.test/cb", "http://localhost:9000"), ("caseworker", "admin")
        )
    )
    # A port is not a role.
    assert parse_client("app:s:http://localhost:9000").redirect_uris == ("http://localhost:9000",)
    assert parse_client("svc:s::partner") == LocalClient("svc", "s", (), ("partner",))
    with pytest.raises(ValueError):
        parse_client("no-secret")


def test_it_serves_from_the_command_line():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    issuer = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.gateway.local_idp",
            "--port",
            str(port),
            "--issuer",
            issuer,
            "--client",
            f"gateway-local:local-secret:{CALLBACK}",
            "--client",
            "reporting:reporting-secret::auditor",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "development" in process.stdout.readline()
        deadline = time.monotonic() + 20
        while True:
            try:
                document = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the provider did not start"
                time.sleep(0.1)
        assert document.json()["token_endpoint"] == f"{issuer}/token"
        service = httpx.post(
            f"{issuer}/token",
            data={"grant_type": "client_credentials"},
            auth=("reporting", "reporting-secret"),
            timeout=5,
        )
        assert service.status_code == 200, service.text
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
