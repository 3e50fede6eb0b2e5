"""The pages in Welsh, as a browser gets them from the running gateway: ``?lang=cy`` turns the
start page Welsh and a cookie keeps it Welsh on the next page; a form's error is Welsh too; the
switch goes back to English; without a cookie the browser's Accept-Language decides."""

from __future__ import annotations

import html
import re

import pytest

from tests.gateway.conftest import sign_in_staff

pytestmark = pytest.mark.e2e


def switch_link(page: str, language: str) -> str:
    found = re.search(
        rf'href="([^"]+)" rel="alternate" lang="{language}" hreflang="{language}"', page
    )
    assert found, "no link to that language in the switch"
    return html.unescape(found.group(1))


def test_a_person_chooses_welsh_and_it_stays_chosen(front):
    browser = front.client(follow_redirects=False)
    browser.headers["Origin"] = front.url  # a browser's form posts name their origin

    start = browser.get("/", params={"lang": "cy"})
    assert start.status_code == 200
    assert '<html lang="cy"' in start.text and "Dechrau nawr" in start.text
    assert "Start now" not in start.text
    cookie = start.headers["set-cookie"]
    assert (
        cookie.startswith("lang=cy;") and "SameSite=lax" in cookie and "Max-Age=31536000" in cookie
    )
    assert "Secure" not in cookie  # SESSION_COOKIE_SECURE=false in these tests
    assert switch_link(start.text, "en") == "/?lang=en"

    # The next page is Welsh without asking again.
    asked = browser.get("/apply")
    assert '<html lang="cy"' in asked.text and "Rhowch eich cyfeiriad e-bost" in asked.text
    assert "lang=" not in asked.headers.get("set-cookie", "")

    # A mistake: the error summary and the page title say so in Welsh.
    wrong = browser.post(
        "/apply/email", data={"email": "jo at example"}, headers={"Referer": f"{front.url}/apply"}
    )
    assert wrong.status_code == 400
    assert "Mae problem wedi codi" in wrong.text
    assert "<title>Gwall: " in wrong.text
    assert 'value="jo at example"' in wrong.text
    # The answer to a form post links to the form's page in English, not to the post.
    assert switch_link(wrong.text, "en") == "/apply?lang=en"

    # Back to English through the switch, and English stays.
    english = browser.get(switch_link(asked.text, "en"))
    assert '<html lang="en"' in english.text and "Enter your email address" in english.text
    assert english.headers["set-cookie"].startswith("lang=en;")
    again = browser.get("/")
    assert '<html lang="en"' in again.text and "Start now" in again.text
    assert switch_link(again.text, "cy") == "/?lang=cy"


def test_without_a_choice_the_browsers_preference_decides(front):
    browser = front.client()
    welsh = browser.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.8"})
    assert '<html lang="cy"' in welsh.text and "Dechrau nawr" in welsh.text
    assert "lang=" not in welsh.headers.get("set-cookie", "")
    english = browser.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,cy;q=0.5"})
    assert '<html lang="en"' in english.text
    assert '<html lang="en"' in browser.get("/").text  # English by default


def test_staff_pages_are_welsh_too(front):
    officer = sign_in_staff(front, "local-caseworker")
    work = officer.get("/work", params={"lang": "cy"})
    assert work.status_code == 200
    assert '<html lang="cy"' in work.text and "<title>Fy ngwaith" in work.text
    assert "Dod o hyd i achos" in work.text
