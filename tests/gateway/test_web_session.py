"""Sessions ending, over HTTP: asking how long is left (GET /auth/session) is not activity,
"Stay signed in" (POST /auth/session/extend) needs the session's CSRF token and restarts only
the idle limit, the longest life holds whatever is done, and the page after an ended session,
or the signed-out page the warning goes to, says why and what to do next. Also what every page
carries for the warning and the council's brand.

The moments a session was made, last used and expires are moved in the gateway's database
(SQLite in these tests), so nothing waits for half an hour.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.clock import utcnow
from tests.gateway.conftest import Front, sign_in_customer, sign_in_staff

pytestmark = pytest.mark.integration

MOMENTS = ("created_at", "last_seen_at", "expires_at")


def _row_id(browser: httpx.Client) -> str:
    return hashlib.sha256(browser.cookies.get("ho_session").encode()).hexdigest()


def session_row(front: Front, browser: httpx.Client) -> dict[str, datetime]:
    with sqlite3.connect(front.gateway_database) as db:
        values = db.execute(
            f"SELECT {', '.join(MOMENTS)} FROM sessions WHERE id_hash = ?", (_row_id(browser),)
        ).fetchone()
    assert values is not None, "no session row"
    return {
        name: datetime.fromisoformat(value).replace(tzinfo=UTC)
        for name, value in zip(MOMENTS, values, strict=True)
    }


def move_session(front: Front, browser: httpx.Client, **moments: datetime) -> None:
    """Sets the browser's session's moments, as SQLAlchemy stores them in SQLite (UTC)."""
    assert set(moments) <= set(MOMENTS)
    assignments = ", ".join(f"{name} = ?" for name in moments)
    values = [m.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for m in moments.values()]
    with sqlite3.connect(front.gateway_database) as db:
        db.execute(
            f"UPDATE sessions SET {assignments} WHERE id_hash = ?", (*values, _row_id(browser))
        )


def new_email(purpose: str) -> str:
    return f"session-{purpose}-{uuid.uuid4().hex[:8]}@example.org"


def close_to(moment: datetime, expected: datetime, seconds: float = 30) -> bool:
    return abs((moment - expected).total_seconds()) <= seconds


def test_asking_how_long_is_left_does_not_extend_the_session(front):
    customer = sign_in_customer(front, new_email("ask"))
    now = utcnow()
    move_session(
        front,
        customer,
        last_seen_at=now - timedelta(minutes=10),
        expires_at=now + timedelta(minutes=20),
    )
    before = session_row(front, customer)
    for _ in range(3):  # the warning's polling
        answer = customer.get("/auth/session")
        assert answer.status_code == 200, answer.text
    left = answer.json()
    assert 1100 < left["seconds_left"] <= 1200
    assert left["idle_seconds_left"] == left["seconds_left"]
    assert 7 * 3600 < left["absolute_seconds_left"] <= 8 * 3600
    assert left["extendable"] is True and left["warning_seconds"] == 120
    assert answer.headers["cache-control"] == "no-store"
    assert session_row(front, customer) == before  # nothing written

    # Anything else the browser asks for is activity: the idle limit starts again.
    assert customer.get("/api/v1/me").status_code == 200
    after = session_row(front, customer)
    assert close_to(after["expires_at"], utcnow() + timedelta(minutes=30))


def test_stay_signed_in_needs_the_csrf_token_and_restarts_the_idle_limit(front):
    customer = sign_in_customer(front, new_email("extend"))
    csrf = customer.headers.pop("X-CSRF-Token")
    now = utcnow()
    # Used half a minute ago: an ordinary request would not write again yet.
    move_session(
        front,
        customer,
        last_seen_at=now - timedelta(seconds=30),
        expires_at=now + timedelta(minutes=2),
    )
    before = session_row(front, customer)
    refused = customer.post("/auth/session/extend")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_token_missing"
    cross = customer.post(
        "/auth/session/extend", headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf}
    )
    assert cross.status_code == 403 and cross.json()["code"] == "cross_site_request"
    assert session_row(front, customer) == before

    extended = customer.post("/auth/session/extend", headers={"X-CSRF-Token": csrf})
    assert extended.status_code == 200, extended.text
    assert 1700 < extended.json()["seconds_left"] <= 1800
    assert close_to(session_row(front, customer)["expires_at"], utcnow() + timedelta(minutes=30))
    # Nobody signed in: nothing to extend.
    assert front.client().post("/auth/session/extend").status_code == 401


def test_the_longest_life_holds_whatever_is_done(front):
    officer = sign_in_staff(front, "local-caseworker")
    now = utcnow()
    longest_at = now + timedelta(seconds=90)
    move_session(
        front,
        officer,
        created_at=longest_at - timedelta(hours=8),
        last_seen_at=now - timedelta(minutes=5),
        expires_at=longest_at,
    )
    extended = officer.post("/auth/session/extend")
    assert extended.status_code == 200, extended.text
    assert extended.json()["seconds_left"] <= 90 and extended.json()["extendable"] is False
    assert extended.json()["absolute_seconds_left"] <= 90
    assert officer.get("/api/v1/me").status_code == 200  # activity, too, gains nothing
    assert session_row(front, officer)["expires_at"] <= longest_at + timedelta(seconds=1)
    status = officer.get("/auth/session").json()
    assert status["seconds_left"] <= 90 and status["extendable"] is False

    move_session(front, officer, expires_at=utcnow() - timedelta(seconds=1))
    assert officer.get("/auth/session").status_code == 401
    assert officer.post("/auth/session/extend").status_code == 401


def test_a_customers_next_page_after_an_idle_end_says_why_without_javascript(front):
    customer = sign_in_customer(front, new_email("idle"))
    move_session(front, customer, expires_at=utcnow() - timedelta(seconds=1))
    mine = customer.get("/my-case")
    assert mine.status_code == 303 and mine.headers["location"] == "/apply"
    sign_in_page = customer.get("/apply")
    assert sign_in_page.status_code == 200
    text = " ".join(sign_in_page.text.split())
    assert "You were signed out because you were inactive for 30 minutes." in text
    assert "We have saved your answers" in text and "Enter your email address" in text
    assert "session-timeout.js" not in text
    assert "ho_session" not in customer.cookies  # the browser forgets the ended session
    # Said once.
    assert "You were signed out" not in customer.get("/apply").text


def test_staff_after_the_longest_life_are_told_why_and_sign_in_again_to_where_they_were(front):
    officer = sign_in_staff(front, "local-caseworker")
    now = utcnow()
    move_session(
        front,
        officer,
        created_at=now - timedelta(hours=8, minutes=1),
        expires_at=now - timedelta(minutes=1),
    )
    work = officer.get("/work/cases", params={"status": "open"})
    assert work.status_code == 303
    assert work.headers["location"] == "/auth/login?return_to=%2Fwork%2Fcases"
    told = officer.get(work.headers["location"])
    assert told.status_code == 200 and told.headers["content-type"].startswith("text/html")
    text = " ".join(told.text.split())
    assert "You have been signed out" in text
    assert "because you had been signed in for 8 hours, the longest allowed." in text
    again = re.search(r'href="(/auth/login\?return_to=[^"]+)"[^>]*>\s*Sign in again', told.text)
    assert again and again.group(1) == "/auth/login?return_to=%2Fwork%2Fcases"
    assert "ho_session" not in officer.cookies
    onwards = officer.get(again.group(1))
    assert onwards.status_code == 302 and onwards.headers["location"].startswith(front.idp_url)


def test_the_signed_out_page_the_warning_goes_to(front):
    customer = sign_in_customer(front, new_email("warning"))
    # Still signed in (another tab kept the session going): back to the page, nothing moved.
    before = session_row(front, customer)
    back = customer.get("/auth/signed-out", params={"return_to": "/my-case"})
    assert back.status_code == 303 and back.headers["location"] == "/my-case"
    outside = customer.get("/auth/signed-out", params={"return_to": "https://evil.example/"})
    assert outside.headers["location"] == "/"
    assert session_row(front, customer) == before

    move_session(front, customer, expires_at=utcnow() - timedelta(seconds=1))
    ended = customer.get("/auth/signed-out", params={"return_to": "/apply/x/q/y"})
    assert ended.status_code == 200
    text = " ".join(ended.text.split())
    assert "You have been signed out" in text and "inactive for 30 minutes" in text
    assert "To carry on, we will email you a new sign-in link." in text
    assert 'href="/apply"' in ended.text and "Get a new sign-in link" in text
    assert "ho_session" not in customer.cookies

    nobody = front.client().get("/auth/signed-out")
    assert nobody.status_code == 200 and "You have signed out" in nobody.text


def test_pages_carry_the_warning_for_someone_signed_in_and_the_councils_brand(front):
    anonymous = front.client().get("/")
    assert "<dialog" not in anonymous.text and "session-timeout.js" not in anonymous.text
    policy = anonymous.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f"style-src 'self' 'nonce-{nonce}'" in policy
    assert (
        f'<style nonce="{nonce}">:root {{ --council-colour: #1d4f91; }}</style>' in anonymous.text
    )
    assert 'class="govuk-generic-header council-header"' in anonymous.text
    assert "Testshire District Council" in anonymous.text
    assert "crown" not in anonymous.text.lower()

    customer = sign_in_customer(front, new_email("page"))
    csrf = customer.headers.pop("X-CSRF-Token")
    start = customer.get("/")
    assert '<script type="module" src="/static/session-timeout.js"></script>' in start.text
    left = int(re.search(r'data-seconds-left="(\d+)"', start.text).group(1))
    assert 1700 < left <= 1800
    assert f'data-csrf-token="{csrf}"' in start.text
    assert 'data-warning-seconds="120"' in start.text
    assert customer.get("/static/session-timeout.js").status_code == 200

    # The dialog's "Sign out" is a form: it lands on the signed-out page.
    signed_out = customer.post("/auth/sign-out", data={"csrf_token": csrf})
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/auth/signed-out?kind=customer"
    landed = customer.get(signed_out.headers["location"])
    assert "You have signed out" in landed.text and "Get a new sign-in link" in landed.text
    assert customer.get("/api/v1/me").status_code == 401
