"""The pages in Welsh, as a browser gets them from the running gateway: ``?lang=cy`` turns the
start page Welsh and a cookie keeps it Welsh on the next page; a form's error is Welsh too; the
switch goes back to English; without a cookie the browser's Accept-Language decides. The
enquiry form's own words (the question template's labels, hints, options and section titles)
are Welsh on Welsh pages, check your answers too, and English on English ones."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from markupsafe import escape

from services.gateway.web import i18n
from shared.clock import london_today
from tests.gateway.conftest import sign_in_customer, sign_in_staff

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


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_welsh_speaker_fills_in_the_form_in_welsh(front):
    browser = sign_in_customer(front, "cymraeg@example.org")
    browser.headers["Origin"] = front.url
    apply = browser.get("/apply", params={"lang": "cy"})
    assert '<html lang="cy"' in apply.text
    started = browser.post("/apply/start", data={"csrf_token": csrf_of(apply.text)})
    assert started.status_code == 303
    draft = started.headers["location"]
    first = browser.get(draft).headers["location"]
    assert first.endswith("/q/full_name")

    # The question, its section and the page title in Welsh, marked as nothing else: the page is
    # Welsh. (The language switch's link to English is the one lang="en" on the page.)
    question = browser.get(first)
    assert '<html lang="cy"' in question.text
    assert "<title>Beth yw eich enw llawn? – Cael help gyda thai" in question.text
    assert (
        "Beth yw eich enw llawn?" in question.text
        and "Amdanoch chi a&#39;ch aelwyd" in question.text
    )
    assert "What is your full name?" not in question.text
    assert '<span lang="en">' not in question.text

    def answer(key: str, **fields: object) -> None:
        page = browser.get(f"{draft}/q/{key}")
        sent = browser.post(f"{draft}/q/{key}", data={"csrf_token": csrf_of(page.text), **fields})
        assert sent.status_code == 303, (key, sent.text[:2000])

    served = london_today() - timedelta(days=9)
    answer("full_name", full_name="Gwenllian Jones")
    answer("tenure", tenure="private_rented")
    answer("has_notice", has_notice="yes")
    answer(
        "notice_served_date",
        **{
            "notice_served_date-day": served.day,
            "notice_served_date-month": served.month,
            "notice_served_date-year": served.year,
        },
    )
    answer("homeless_tonight", homeless_tonight="no")

    # Options in Welsh, their values unchanged.
    tenure = browser.get(f"{draft}/q/tenure")
    assert "Rwy&#39;n rhentu gan landlord preifat neu asiant gosod tai" in tenure.text
    assert 'value="private_rented" checked' in tenure.text
    assert "I rent from a private landlord" not in tenure.text

    # A postcode that is not one: GOV.UK's words, from the Welsh catalogue.
    page = browser.get(f"{draft}/q/postcode")
    refused = browser.post(
        f"{draft}/q/postcode", data={"csrf_token": csrf_of(page.text), "postcode": "nowhere"}
    )
    assert refused.status_code == 400
    expected = i18n.translations("cy").gettext("Enter a full UK postcode, like AA3 1AB")
    assert str(escape(expected)) in refused.text
    assert "must be a UK postcode" not in refused.text

    # Check your answers: Welsh questions, Welsh option labels, Welsh yes and no, Welsh dates.
    check = browser.get(f"{draft}/check")
    assert check.status_code == 200 and "Gwiriwch eich atebion" in check.text
    assert "Pa un sy&#39;n disgrifio orau ble rydych chi&#39;n byw nawr?" in check.text
    assert "Rwy&#39;n rhentu gan landlord preifat neu asiant gosod tai" in check.text
    assert format_date(served, "d MMMM y", locale="cy") in check.text
    assert re.search(r">\s*Na\s*<", check.text) and re.search(r">\s*Ie\s*<", check.text)
    assert "private_rented" not in check.text and served.isoformat() not in check.text
    assert '<span lang="en">' not in check.text
    assert "Which best describes where you live now?" not in check.text

    # The same form in English: English words only.
    english = browser.get(f"{draft}/check", params={"lang": "en"})
    assert '<html lang="en"' in english.text
    assert "Which best describes where you live now?" in english.text
    assert "I rent from a private landlord or letting agent" in english.text
    assert f"{served.day} {served:%B %Y}" in english.text
    assert "Rwy&#39;n rhentu" not in english.text and "Pa un sy&#39;n" not in english.text
