"""Signing in through the gateway: staff by OpenID Connect (authorization code with PKCE) against
the local provider, customers by single-use emailed links, API clients and mobile apps by bearer
tokens checked against the provider's keys; and what is refused."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import urllib.parse

import httpx
import jwt
import pytest

from tests.gateway.conftest import (
    APP_CLIENT_ID,
    APP_CLIENT_SECRET,
    APP_REDIRECT,
    MACHINE_CLIENT_ID,
    MACHINE_CLIENT_SECRET,
    latest_link_token,
    sign_in_customer,
    sign_in_staff,
)

pytestmark = pytest.mark.integration


def test_staff_sign_in_with_pkce_opens_a_session_with_the_providers_roles(front):
    browser = sign_in_staff(front, "local-team-leader")
    me = browser.get("/api/v1/me").json()
    assert me["kind"] == "staff"
    assert me["subject"] == "officer:local-team-leader"
    assert me["roles"] == ["team_leader"] and me["team"] == "housing-options"
    cookie = next(c for c in browser.cookies.jar if c.name == "ho_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite", cookie.get_nonstandard_attr("samesite")) in (
        "lax",
        "Lax",
    )
    # Signing out ends the session on the server, not only in the browser.
    stolen = browser.cookies.get("ho_session")
    assert browser.post("/auth/sign-out").status_code == 204
    replay = front.client()
    replay.cookies.set("ho_session", stolen)
    assert replay.get("/api/v1/me").status_code == 401


def test_a_callback_that_does_not_match_the_sign_in_it_answers_is_refused(front):
    browser = front.client()
    start = browser.get("/auth/login")
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start.headers["location"]).query))[
        "state"
    ]
    wrong_state = browser.get("/auth/callback", params={"code": "x", "state": state + "x"})
    assert wrong_state.status_code == 400 and wrong_state.json()["code"] == "sign_in_mismatch"
    bad_code = browser.get("/auth/callback", params={"code": "forged", "state": state})
    assert bad_code.status_code == 401 and bad_code.json()["code"] == "sign_in_refused"
    # Without the sign-in's own cookie (a link sent by someone else): refused.
    stranger = front.client()
    unsolicited = stranger.get("/auth/callback", params={"code": "x", "state": state})
    assert unsolicited.status_code == 400 and unsolicited.json()["code"] == "sign_in_expired"
    # Only a path on this site is a place to go back to.
    outside = browser.get("/auth/login", params={"return_to": "https://evil.example/"})
    assert outside.status_code == 302  # the sign-in starts; the return goes to "/"


def test_customers_sign_in_once_per_link_and_never_with_an_old_one(front):
    email = "link.customer@example.org"
    browser = sign_in_customer(front, email)
    me = browser.get("/api/v1/me").json()
    assert me["kind"] == "customer" and me["roles"] == ["customer"]
    assert email not in me["subject"] and me["subject"].startswith("customer:")
    used = latest_link_token(front, email)
    # The email: the link, how long it works, nothing else personal.
    (message,) = front.outbox.messages(email)
    assert message["expires_minutes"] > 0 and used in message["url"]

    replayed = front.client().post("/auth/sign-in-links/redeem", json={"token": used})
    assert replayed.status_code == 400 and replayed.json()["code"] == "sign_in_link_used"

    # Opening the link shows a button: a mail scanner following it does not use it up.
    second = front.client()
    assert second.post("/auth/sign-in-links", json={"email": email}).status_code == 202
    fresh = latest_link_token(front, email)
    page = second.get(f"/auth/sign-in-links/{fresh}")
    assert page.status_code == 200 and fresh in page.text and 'method="post"' in page.text
    assert page.headers["referrer-policy"] == "strict-origin"
    form_post = second.post(
        "/auth/sign-in-links/redeem",
        data={"token": fresh},
        headers={"Origin": front.url},
    )
    assert form_post.status_code == 303
    assert second.get("/api/v1/me").json()["subject"] == me["subject"]  # the same customer

    third = front.client()
    third.post("/auth/sign-in-links", json={"email": email})
    late = latest_link_token(front, email)
    front.expire_links()
    expired = third.post("/auth/sign-in-links/redeem", json={"token": late})
    assert expired.status_code == 400 and expired.json()["code"] == "sign_in_link_expired"
    unknown = third.post("/auth/sign-in-links/redeem", json={"token": secrets.token_urlsafe(32)})
    assert unknown.status_code == 400 and unknown.json()["code"] == "sign_in_link_unknown"


def test_asking_for_links_too_often_is_limited_per_address_and_per_client(front):
    browser = front.client(ip="10.200.0.1")
    codes = [
        browser.post("/auth/sign-in-links", json={"email": "flood@example.org"}).status_code
        for _ in range(4)
    ]
    assert codes == [202, 202, 202, 429]
    limited = browser.post("/auth/sign-in-links", json={"email": "flood@example.org"})
    assert int(limited.headers["retry-after"]) > 0
    assert "flood@example.org" not in limited.text
    # Another address from another client is not held back by that one.
    other = front.client(ip="10.200.0.2")
    assert other.post("/auth/sign-in-links", json={"email": "calm@example.org"}).status_code == 202
    bad = other.post("/auth/sign-in-links", json={"email": "not an address"})
    assert bad.status_code == 422 and "email" in bad.json()["errors"]


def test_sign_in_attempts_are_rate_limited(front):
    browser = front.client(ip="10.200.0.3")
    codes = {browser.get("/auth/login").status_code for _ in range(31)}
    assert codes == {302, 429}


def _pkce_code(front, user: str) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    params = {
        "response_type": "code",
        "client_id": APP_CLIENT_ID,
        "redirect_uri": APP_REDIRECT,
        "scope": "openid profile",
        "state": "s",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    page = httpx.get(f"{front.idp_url}/authorize", params=params)
    form = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    form = {key: html.unescape(value) for key, value in form.items()}
    chosen = httpx.post(f"{front.idp_url}/authorize", data={**form, "user": user})
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(chosen.headers["location"]).query))
    return query["code"], verifier


def app_access_token(front, user: str) -> dict:
    """A mobile app's own sign-in with the provider (code + PKCE): its tokens."""
    code, verifier = _pkce_code(front, user)
    tokens = httpx.post(
        f"{front.idp_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": APP_REDIRECT,
            "code_verifier": verifier,
        },
        auth=(APP_CLIENT_ID, APP_CLIENT_SECRET),
    )
    assert tokens.status_code == 200, tokens.text
    return tokens.json()


def test_api_clients_and_apps_send_bearer_tokens_checked_against_the_providers_keys(front):
    tokens = app_access_token(front, "local-caseworker")
    api = front.client()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = api.get("/api/v1/me", headers=bearer).json()
    assert (me["kind"], me["subject"], me["csrf_token"]) == (
        "staff",
        "officer:local-caseworker",
        None,
    )
    # No session, so no CSRF token is needed: the token itself is not sent by a browser.
    assert api.get("/api/v1/cases", headers=bearer).status_code == 200

    # An ID token is not an access token for this API (another audience).
    wrong_audience = api.get(
        "/api/v1/cases", headers={"Authorization": f"Bearer {tokens['id_token']}"}
    )
    assert wrong_audience.status_code == 401
    # A token changed by one character, one signed by someone else, and rubbish: all 401.
    header, payload, signature = tokens["access_token"].split(".")
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    claims["roles"] = ["admin"]
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    forged = f"{header}.{forged_payload.decode()}.{signature}"
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger = jwt.encode(
        claims,
        stranger_key,
        algorithm="RS256",
        headers={"kid": jwt.get_unverified_header(tokens["access_token"])["kid"]},
    )
    none_alg = jwt.encode(claims, None, algorithm="none")
    for bad in (forged, stranger, none_alg, "not-a-token"):
        answer = api.get("/api/v1/cases", headers={"Authorization": f"Bearer {bad}"})
        assert answer.status_code == 401, (bad[:20], answer.text)
        assert answer.json()["code"] == "bad_credentials"
    assert api.get("/api/v1/cases", headers={"Authorization": "Basic eDp5"}).status_code == 401


def test_a_machine_client_acts_as_itself_with_the_role_it_was_given(front):
    tokens = httpx.post(
        f"{front.idp_url}/token",
        data={"grant_type": "client_credentials"},
        auth=(MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET),
    ).json()
    api = front.client()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = api.get("/api/v1/me", headers=bearer).json()
    assert (me["kind"], me["subject"], me["roles"]) == (
        "client",
        f"client:{MACHINE_CLIENT_ID}",
        ["auditor"],
    )
    assert api.get("/api/v1/cases", headers=bearer).status_code == 200
    # An auditor reads; it does not change anything.
    refused = api.post(
        "/api/v1/closure-days", json={"day": "2030-01-02", "reason": "x"}, headers=bearer
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
