"""The gateway's parts that need no broker: settings, the customer's id, the token minter, the
protections middleware (driven as plain ASGI) and the problem documents."""

from __future__ import annotations

import asyncio
import json

import pytest

from services.gateway.errors import problem
from services.gateway.principal import InternalTokens, Principal, customer_id
from services.gateway.protections import Protections
from services.gateway.settings import RateLimit, Settings, SettingsError, parse_role_map
from shared.identity import TokenIssuer, TokenVerifier, new_key_pair


def test_settings_come_from_the_environment_and_bad_ones_are_named(tmp_path):
    key = tmp_path / "identity.key"
    key.write_bytes(new_key_pair()[0])
    settings = Settings.from_env(
        {
            "IDENTITY_SIGNING_KEY": str(key),
            "SESSION_SECRET": "s" * 40,
            "CORS_ALLOW_ORIGINS": "https://a.example.gov.uk/, https://b.example.gov.uk",
            "OIDC_ROLE_MAP": "HO.Caseworker=caseworker,HO.Lead=team_leader",
            "RATE_LIMIT_SIGN_IN": "7/30",
            "PUBLIC_URL": "https://housing.example.gov.uk/",
        }
    )
    settings.check()
    assert settings.cors_allow_origins == ("https://a.example.gov.uk", "https://b.example.gov.uk")
    assert settings.oidc_role_map == {"HO.Caseworker": "caseworker", "HO.Lead": "team_leader"}
    assert settings.rate_limit_sign_in == RateLimit(7, 30)
    assert settings.callback_url == "https://housing.example.gov.uk/auth/callback"
    for env, named in (
        ({"RATE_LIMIT_SIGN_IN": "lots"}, "RATE_LIMIT_SIGN_IN"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES"),
        ({"SESSION_COOKIE_SECURE": "maybe"}, "SESSION_COOKIE_SECURE"),
        ({"OIDC_ROLE_MAP": "Boss=system"}, "OIDC_ROLE_MAP"),
    ):
        with pytest.raises(SettingsError, match=named):
            Settings.from_env(env)
    checks = (
        ({"IDENTITY_SIGNING_KEY": str(tmp_path / "none")}, "IDENTITY_SIGNING_KEY"),
        ({"IDENTITY_SIGNING_KEY": str(key)}, "SESSION_SECRET"),  # the local default, not local
        ({"IDENTITY_SIGNING_KEY": str(key), "SESSION_SECRET": "short"}, "SESSION_SECRET"),
        (
            {"IDENTITY_SIGNING_KEY": str(key), "SESSION_SECRET": "s" * 40, "OIDC_ISSUER": "x"},
            "OIDC_ISSUER",
        ),
        (
            {
                "IDENTITY_SIGNING_KEY": str(key),
                "SESSION_SECRET": "s" * 40,
                "CORS_ALLOW_ORIGINS": "*",
            },
            "CORS_ALLOW_ORIGINS",
        ),
    )
    for env, named in checks:
        with pytest.raises(SettingsError, match=named):
            Settings.from_env(env).check()
    assert parse_role_map("") == {}


def test_a_customers_id_is_stable_keyed_and_says_nothing_of_the_address():
    one = customer_id("Jo.Bloggs@Example.org ", "k" * 32)
    assert one == customer_id("jo.bloggs@example.org", "k" * 32)
    assert one != customer_id("jo.bloggs@example.org", "other" * 8)
    assert one.startswith("customer:") and "jo" not in one and "example" not in one


def test_minted_tokens_are_reused_per_principal_and_what_they_name():
    private, public = new_key_pair()
    tokens = InternalTokens(TokenIssuer(private, lifetime_seconds=300))
    verifier = TokenVerifier([public])
    officer = Principal("staff", "officer:1", frozenset({"caseworker"}), "housing-options")
    first = tokens.token_for(officer)
    assert tokens.token_for(officer) == first
    identity = verifier.verify(first)
    assert (identity.actor, identity.team, identity.roles) == (
        "officer:1",
        "housing-options",
        frozenset({"caseworker"}),
    )
    customer = Principal.customer("customer:abc")
    before = tokens.token_for(customer, ("e1",))
    after = tokens.token_for(customer, ("e1", "e2"), ("c2",))
    assert before != after  # a new enquiry: a token that names it
    seen = verifier.verify(after)
    assert (seen.enquiries, seen.cases) == (frozenset({"e1", "e2"}), frozenset({"c2"}))


class Recorder:
    """A plain ASGI app standing behind the middleware: reads the whole body, answers 200."""

    def __init__(self) -> None:
        self.reached = False

    async def __call__(self, scope, receive, send):
        self.reached = True
        while True:
            message = await receive()
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def drive(middleware, method="POST", headers=(), chunks=(b"{}",)):
    sent = []
    pending = list(chunks)

    async def receive():
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "headers": [(k.encode(), v.encode()) for k, v in headers],
    }
    asyncio.run(middleware(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


def protect(app):
    return Protections(
        app, max_body_bytes=100, trusted_origins=["https://housing.example.gov.uk"], secure=True
    )


def test_protections_refuse_cross_site_and_oversized_requests_before_the_app():
    app = Recorder()
    status, headers, _ = drive(protect(app), headers=[("origin", "https://housing.example.gov.uk")])
    assert status == 200 and app.reached
    assert headers[b"strict-transport-security"].startswith(b"max-age=")
    assert headers[b"x-frame-options"] == b"DENY"
    for bad in ([("origin", "https://evil.example")], [("sec-fetch-site", "cross-site")]):
        app = Recorder()
        status, _, body = drive(protect(app), headers=bad)
        assert (status, app.reached) == (403, False)
        assert json.loads(body)["code"] == "cross_site_request"
    # Reads from anywhere are fine (CORS decides what a script may see).
    status, _, _ = drive(
        protect(Recorder()), method="GET", headers=[("origin", "https://x.example")]
    )
    assert status == 200
    app = Recorder()
    status, _, body = drive(protect(app), headers=[("content-length", "101")])
    assert (status, app.reached, json.loads(body)["code"]) == (413, False, "body_too_large")
    status, _, body = drive(protect(Recorder()), chunks=[b"x" * 60, b"x" * 60])
    assert status == 413 and json.loads(body)["status"] == 413
    status, _, _ = drive(protect(Recorder()), headers=[("content-length", "lots")])
    assert status == 413


def test_problem_documents_name_fields_and_carry_a_reference_only_when_given():
    response = problem(422, "validation_failed", "Check.", fields={"answers.postcode": ["bad"]})
    body = json.loads(response.body)
    assert response.media_type == "application/problem+json"
    assert body == {
        "type": "about:blank",
        "title": "Validation failed",
        "status": 422,
        "code": "validation_failed",
        "detail": "Check.",
        "errors": {"answers.postcode": ["bad"]},
    }


def test_errors_a_service_did_not_mean_become_a_500_with_a_reference_and_no_internals(caplog):
    from services.gateway.errors import HANDLERS
    from services.gateway.rpc_client import BrokerUnavailable, RemoteError, RpcTimeout
    from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

    class Request:
        class url:  # noqa: N801 - Starlette's attribute
            path = "/api/v1/cases/HO-2026-000001"

    def answer(error):
        handler = next(h for kind, h in HANDLERS.items() if isinstance(error, kind))
        response = asyncio.run(handler(Request(), error))
        return response.status_code, json.loads(response.body)

    secret = "KeyError 'jo.bloggs@example.org' in cases/operations.py line 12"
    status, body = answer(RemoteError("KeyError", secret))
    assert status == 500 and body["code"] == "internal_error" and len(body["reference"]) == 12
    assert "jo.bloggs" not in json.dumps(body) and "KeyError" not in json.dumps(body)
    assert body["reference"] in caplog.text and "jo.bloggs" not in caplog.text
    assert answer(ValidationFailed({"answers.postcode": ["bad"]}))[1]["errors"] == {
        "answers.postcode": ["bad"]
    }
    assert answer(NotFound("case", "HO-1"))[0] == 404
    assert answer(Conflict("already closed")) == (409, answer(Conflict("already closed"))[1])
    assert answer(Conflict("already closed"))[1]["detail"] == "already closed"
    status, body = answer(Forbidden("get_case", "this case belongs to another team"))
    assert status == 403 and "another team" in body["detail"]
    assert answer(RpcTimeout("cases.get_case"))[0] == 504
    assert answer(BrokerUnavailable("down"))[0] == 503
