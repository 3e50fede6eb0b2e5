"""What every request meets before and after the services: sign-in needed, CSRF tokens for
browsers' unsafe requests, cross-site posts refused, size limits, CORS by allow-list, security
headers, errors as problem details naming fields, and no internals in any of them."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import sign_in_customer, sign_in_staff

pytestmark = pytest.mark.integration


def test_nobody_signed_in_gets_401_and_a_problem_document(front):
    answer = front.client().get("/api/v1/cases")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert (body["status"], body["code"]) == (401, "sign_in_needed")
    assert front.client().get("/nowhere").json()["code"] == "not_found"


def test_a_browser_session_needs_its_csrf_token_and_cross_site_posts_never_arrive(front):
    officer = sign_in_staff(front, "local-caseworker")
    csrf = officer.headers.pop("X-CSRF-Token")
    without = officer.post("/api/v1/closure-days", json={"day": "2030-01-02", "reason": "x"})
    assert without.status_code == 403 and without.json()["code"] == "csrf_token_missing"
    wrong = officer.post(
        "/api/v1/closure-days",
        json={"day": "2030-01-02", "reason": "x"},
        headers={"X-CSRF-Token": csrf + "x"},
    )
    assert wrong.status_code == 403
    # A form on another site posting with the officer's cookie: refused before any route, CSRF
    # token or not.
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        cross = officer.post("/auth/sign-out", headers={**headers, "X-CSRF-Token": csrf})
        assert cross.status_code == 403 and cross.json()["code"] == "cross_site_request"
    assert officer.get("/api/v1/me").status_code == 200  # still signed in
    # Reads need no token.
    assert officer.get("/api/v1/workflows").status_code == 200


def test_cors_answers_only_the_allowed_origins(front):
    browser = front.client()
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-csrf-token,idempotency-key",
    }
    allowed = browser.options(
        "/api/v1/enquiries", headers={"Origin": "https://app.example.gov.uk", **preflight}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.gov.uk"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    exposed = browser.get("/api/v1/health", headers={"Origin": "https://app.example.gov.uk"})
    assert "retry-after" in exposed.headers["access-control-expose-headers"].lower()
    refused = browser.options(
        "/api/v1/enquiries", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in refused.headers
    posted = sign_in_customer(front, "cors@example.org").post(
        "/api/v1/enquiries",
        json={"template_key": "housing-options-enquiry"},
        headers={"Origin": "https://app.example.gov.uk"},
    )
    assert posted.status_code == 201, posted.text


def test_oversized_bodies_are_refused_whether_declared_or_streamed(front):
    customer = sign_in_customer(front, "big@example.org")
    big = {"template_key": "housing-options-enquiry", "answers": {"x": "y" * 70000}}
    declared = customer.post("/api/v1/enquiries", json=big)
    assert declared.status_code == 413 and declared.json()["code"] == "body_too_large"
    assert declared.headers["x-content-type-options"] == "nosniff"

    def chunks():
        for _ in range(20):
            yield b"y" * 8192

    streamed = customer.post(
        "/api/v1/enquiries", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


def test_every_response_carries_the_security_headers(front):
    for answer in (
        front.client().get("/api/v1/cases"),
        front.client().get("/openapi.json"),
        front.client().post("/auth/sign-in-links", json={"email": "h@example.org"}),
    ):
        headers = answer.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "strict-origin"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
        assert "server" not in headers


def test_service_errors_become_problems_that_name_fields_and_hide_internals(front):
    officer = sign_in_staff(front, "local-caseworker")
    customer = sign_in_customer(front, "errors@example.org")
    # The gateway's own checks, by field path.
    gateway_check = customer.post("/api/v1/enquiries", json={"template_key": ""})
    assert gateway_check.status_code == 422
    assert "template_key" in gateway_check.json()["errors"]
    unknown_field = customer.post("/api/v1/enquiries", json={"template_key": "x", "sneaky": 1})
    assert unknown_field.status_code == 422 and "sneaky" in unknown_field.json()["errors"]
    # The services' checks, by their field paths.
    draft = customer.post("/api/v1/enquiries", json={"template_key": "housing-options-enquiry"})
    bad = customer.put(
        f"/api/v1/enquiries/{draft.json()['id']}/answers",
        json={"answers": {"postcode": "nowhere", "household_adults": "many"}},
    )
    assert bad.status_code == 422
    assert {"answers.postcode", "answers.household_adults"} <= set(bad.json()["errors"])
    missing = officer.get("/api/v1/cases/HO-1999-000001")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    # Another customer's enquiry: refused, and nothing about it is said.
    other = sign_in_customer(front, "other.errors@example.org")
    theirs = other.get(f"/api/v1/enquiries/{draft.json()['id']}")
    assert theirs.status_code == 403
    assert "errors@example.org" not in theirs.text
    # Malformed JSON.
    broken = customer.post(
        "/api/v1/enquiries", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["code"] == "bad_json"


def test_idempotency_keys_reach_the_services_and_bad_ones_are_named(front):
    officer = sign_in_staff(front, "local-caseworker")
    from datetime import date

    from tests.scenarios import section_8

    whole = {"template_key": "housing-options-enquiry", "answers": section_8(date.today())}
    first = officer.post(
        "/api/v1/enquiry-submissions", json=whole, headers={"Idempotency-Key": "whole-0001"}
    )
    assert first.status_code == 201, first.text
    again = officer.post(
        "/api/v1/enquiry-submissions", json=whole, headers={"Idempotency-Key": "whole-0001"}
    )
    assert again.json()["id"] == first.json()["id"]
    bad = officer.post(
        "/api/v1/enquiry-submissions", json=whole, headers={"Idempotency-Key": "no spaces!"}
    )
    assert bad.status_code == 422 and "Idempotency-Key" in bad.json()["errors"]


def test_the_home_page_says_who_is_signed_in(front):
    assert "Staff: sign in" in front.client().get("/").text
    officer = sign_in_staff(front, "local-team-leader")
    assert "officer:local-team-leader" in officer.get("/").text
