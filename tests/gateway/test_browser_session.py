"""The session timeout warning in a real browser (Debian's Chromium through Playwright): a
signed-in customer whose session is about to end sees a modal dialog with the focus in it,
which axe-core finds no WCAG 2.2 A/AA fault in; "Stay signed in" keeps the session going on the
server; "Stay signed in" in another tab closes the warning in this one; and when the time runs
out the page goes to the signed-out page, which says why.

The session's expiry is moved in the gateway's database (SQLite in these tests) and the page
loaded again, so the warning is due at once and nothing waits for half an hour. The browser
runs in a worker process (tests/gateway/browser.py says why), which runs ``scenario_*``
functions of this module: nothing from tests.scenarios or eventlet is imported at the top.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from services.gateway.notify import LocalOutbox
from tests.gateway.browser import axe_check, browser_worker, contexts, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

HEADING = "You will be signed out soon"


def _session_hash(page: Page) -> str:
    cookie = next(c for c in page.context.cookies() if c["name"] == "ho_session")
    return hashlib.sha256(cookie["value"].encode()).hexdigest()


def _stored(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def ends_in(page: Page, database: str, seconds: int) -> None:
    """The page's session ends ``seconds`` from now, used just now (so loading a page does not
    move it on): the way it stands after someone has done nothing for a while."""
    now = datetime.now(UTC)
    with sqlite3.connect(database) as db:
        db.execute(
            "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?",
            (_stored(now), _stored(now + timedelta(seconds=seconds)), _session_hash(page)),
        )


def seconds_left_on_the_server(page: Page, database: str) -> float:
    with sqlite3.connect(database) as db:
        (expires_at,) = db.execute(
            "SELECT expires_at FROM sessions WHERE id_hash = ?", (_session_hash(page),)
        ).fetchone()
    ends = datetime.fromisoformat(expires_at).replace(tzinfo=UTC)
    return (ends - datetime.now(UTC)).total_seconds()


def sign_in_as_a_customer(page: Page, outbox: LocalOutbox) -> None:
    email = f"browser-timeout-{uuid.uuid4().hex[:10]}@example.org"
    page.goto("/apply")
    page.get_by_label("Enter your email address").fill(email)
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(outbox.messages(email)[-1]["url"])
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your application")


def scenario_timeout_warning(browser: Browser, base_url: str, outbox: str, database: str) -> None:
    with contexts(browser, base_url) as make:
        page = make("desktop").new_page()
        sign_in_as_a_customer(page, LocalOutbox(outbox))
        warning = page.get_by_role("dialog", name=HEADING)
        expect(warning).to_be_hidden()

        # Due at once: a modal dialog with the focus on its heading, and the time in words.
        ends_in(page, database, 100)
        page.reload()
        expect(warning).to_be_visible()
        assert page.evaluate("document.activeElement.id") == "session-timeout-heading"
        assert page.evaluate("document.querySelector('#session-timeout').matches(':modal')")
        said = "For your security, we will sign you out in 2 minutes."
        expect(page.locator("#session-timeout-status")).to_have_text(said)
        expect(warning.locator("[data-session-timeout-text]")).to_have_text(said)
        axe_check(page, "session timeout warning")
        screenshot(page, "session-timeout-desktop", full_page=False)

        # "Stay signed in": closed, and the server moved the idle limit on.
        warning.get_by_role("button", name="Stay signed in").click()
        expect(warning).to_be_hidden()
        assert seconds_left_on_the_server(page, database) > 25 * 60

        # Two tabs warning at once: staying signed in in one closes the other's warning.
        other = page.context.new_page()
        other.goto("/apply")
        ends_in(page, database, 100)
        page.reload()
        other.reload()
        expect(warning).to_be_visible()
        other_warning = other.get_by_role("dialog", name=HEADING)
        other_warning.get_by_role("button", name="Stay signed in").click()
        expect(other_warning).to_be_hidden()
        expect(warning).to_be_hidden(timeout=25_000)
        other.close()

        # The time runs out: the page asks the server, then goes to the signed-out page.
        ends_in(page, database, 4)
        started = time.monotonic()
        page.reload()
        expect(warning).to_be_visible()
        page.wait_for_url("**/auth/signed-out?return_to=%2Fapply", timeout=20_000)
        assert time.monotonic() - started >= 3
        expect(page.get_by_role("heading", level=1)).to_have_text("You have been signed out")
        expect(page.get_by_text("because you were inactive for 30 minutes")).to_be_visible()
        expect(page.get_by_role("button", name="Get a new sign-in link")).to_be_visible()


# --- pytest's side ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    log = tmp_path_factory.mktemp("browser") / "worker.log"
    with browser_worker("tests.gateway.test_browser_session", log) as started:
        yield started


@pytest.fixture
def in_browser(worker, front) -> Callable[..., Any]:
    """Runs a scenario of this module in the browser worker against this gateway."""
    where = {
        "base_url": front.url,
        "outbox": str(front.outbox.folder),
        "database": front.gateway_database,
    }

    def run(scenario: Callable[..., Any], **arguments: Any) -> Any:
        return worker.run(scenario.__name__, **where, **arguments)

    return run


def test_the_timeout_warning_keeps_a_session_or_signs_out_and_passes_axe(in_browser):
    in_browser(scenario_timeout_warning)
