"""The public enquiry form as a browser without JavaScript uses it: plain HTML forms only. A
person asks for a sign-in link, opens it from the local outbox, answers one question per page
(conditional questions appear as the template says), meets an error and keeps what they typed,
checks their answers and sends; the confirmation and their case page show the reference. The
pages are English throughout (the Welsh ones: test_web_welsh.py), the postcode's error is in
GOV.UK's words, and dates are written as people write them.
(Browser tests with JavaScript on and off, phone and desktop, come with issue 16.)"""

from __future__ import annotations

import re
from datetime import date

import pytest

from shared.clock import london_today
from tests.gateway.conftest import latest_link_token
from tests.scenarios import section_8

pytestmark = pytest.mark.e2e


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def in_words(day: date) -> str:
    """A date as the pages write it in English: 2 December 2026."""
    return f"{day.day} {day:%B %Y}"


def form_fields(key: str, value) -> dict:
    if isinstance(value, bool):
        return {key: "yes" if value else "no"}
    if isinstance(value, list):
        return {key: value}
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = date.fromisoformat(value)
        return {f"{key}-day": day.day, f"{key}-month": day.month, f"{key}-year": day.year}
    return {key: value}


def test_a_person_applies_through_the_pages_without_javascript(front):
    browser = front.client(follow_redirects=False)
    browser.headers["Origin"] = front.url  # a browser's form posts name their origin
    start = browser.get("/")
    assert start.status_code == 200 and "Start now" in start.text
    assert "nonce-" in start.headers["content-security-policy"]
    assert browser.get("/static/govuk/govuk-frontend.min.css").status_code == 200

    # Sign in by email: a bad address first, kept in the field with its error.
    asked = browser.get("/apply")
    assert "Enter your email address" in asked.text
    wrong = browser.post("/apply/email", data={"email": "jo at example"})
    assert wrong.status_code == 400
    assert "govuk-error-summary" in wrong.text and 'value="jo at example"' in wrong.text
    assert "<title>Error: " in wrong.text  # the page title says there is an error
    sent = browser.post("/apply/email", data={"email": "pages@example.org"})
    assert "Check your email" in sent.text
    token = latest_link_token(front, "pages@example.org")
    link_page = browser.get(f"/auth/sign-in-links/{token}")
    assert link_page.status_code == 200 and "Continue" in link_page.text
    signed_in = browser.post("/auth/sign-in-links/redeem", data={"token": token})
    assert signed_in.headers["location"] == "/apply"

    # Start, then one question per page until check your answers.
    apply = browser.get("/apply")
    started = browser.post("/apply/start", data={"csrf_token": csrf_of(apply.text)})
    assert started.status_code == 303
    location = browser.get(started.headers["location"]).headers["location"]
    answers = section_8(london_today())
    seen = []
    while "/q/" in location:
        key = location.rsplit("/", 1)[-1]
        seen.append(key)
        question = browser.get(location)
        assert question.status_code == 200, question.text
        assert (
            '<h1 class="govuk-label-wrapper">' in question.text
            or "govuk-fieldset__heading" in question.text
        )
        csrf = csrf_of(question.text)
        if key == "full_name":
            # An English page of a form with Welsh: the English words, none of the Welsh.
            assert "What is your full name?" in question.text
            assert "Beth yw eich enw llawn?" not in question.text
            assert "About you and your household" in question.text
        if key == "postcode":
            refused = browser.post(location, data={"csrf_token": csrf, "postcode": "nowhere"})
            assert refused.status_code == 400
            assert "govuk-error-summary" in refused.text and 'value="nowhere"' in refused.text
            # GOV.UK's address pattern's words, not the enquiry service's.
            assert refused.text.count("Enter a full UK postcode, like AA3 1AB") == 2
            assert "must be a UK postcode" not in refused.text
        value = answers.get(key)
        data = {"csrf_token": csrf, **(form_fields(key, value) if value is not None else {})}
        answered = browser.post(location, data=data)
        assert answered.status_code == 303, (key, answered.text[:2000])
        location = answered.headers["location"]
        assert len(seen) < 60, seen
    assert location.endswith("/check")
    # Conditional questions came up as the template says: a notice, so its details.
    assert "notice_type" in seen and "release_date" not in seen
    check = browser.get(location)
    assert "Check your answers" in check.text and answers["full_name"] in check.text
    # Options by their labels, dates in words, in English.
    assert "I rent from a private landlord or letting agent" in check.text
    assert "Rwy&#39;n rhentu" not in check.text
    served = date.fromisoformat(answers["notice_served_date"])
    assert in_words(served) in check.text and answers["notice_served_date"] not in check.text
    sent = browser.post(location, data={"csrf_token": csrf_of(check.text)})
    assert sent.status_code == 303 and sent.headers["location"].endswith("/done")
    done = browser.get(sent.headers["location"])
    reference = re.search(r"HO-\d{4}-\d{6}", done.text)
    assert reference, done.text
    mine = browser.get("/my-case")
    assert reference.group(0) in mine.text
    assert in_words(london_today()) in mine.text  # the day the case opened, in words
    assert london_today().isoformat() not in mine.text
    assert "Send us your tenancy agreement" in mine.text  # their own task

    # Someone else, not signed in, is sent to sign in first.
    stranger = front.client(follow_redirects=False)
    for path in ("/my-case", sent.headers["location"], location):
        assert stranger.get(path).headers["location"] == "/apply"

    # A form posted without its CSRF token is refused.
    assert browser.post("/apply/start", data={}).status_code == 403
