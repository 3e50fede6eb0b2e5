"""The public pages in a real browser (Debian's Chromium through Playwright): a person on a
phone with JavaScript on, or on a desktop with it off, asks for a sign-in link, answers one
question per page, sends, and finds their reference and information pack on their case page;
saves and comes back with a new link; meets errors; does it all with the keyboard. axe-core
audits every kind of page against WCAG 2.2 A and AA, and the main pages are photographed into
var/screenshots/.

Every action is what a person does: clicks or taps on labelled controls, typing, keys. The only
thing done outside the page is reading the email, as the person would in their mail app.

The browser runs in a worker process (tests/gateway/browser.py says why): each test below asks
the worker to run a ``scenario_*`` function of this module with the gateway's address, the
outbox folder and the answers (section 8 scenario, computed here). So this module must import
without eventlet: nothing from tests.scenarios (scripts.demo patches on import) at the top.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response

from services.gateway.notify import LocalOutbox
from tests.gateway.browser import (
    axe_violations,
    browser_worker,
    contexts,
    copy_of,
    describe_violations,
    screenshot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REFERENCE = re.compile(r"HO-\d{4}-\d{6}")
# How long a person keeps reloading for their reference and their pack (slow on a busy machine).
WAIT_SECONDS = 60
# Wrong answers the error walk gives first, by question: None submits the page empty.
MISTAKES: dict[str, Any] = {
    "full_name": None,
    "age_band": None,
    "postcode": "nowhere",
    "household_adults": "two",
    "notice_served_date": ("31", "2", "2026"),
}


@dataclass
class Site:
    """What a scenario works with: the gateway, the outbox its emails land in, the answers to
    give, and a factory of browser contexts (closed when the scenario ends)."""

    base_url: str
    outbox: LocalOutbox
    answers: dict[str, Any]
    make: Callable[..., BrowserContext]


@contextmanager
def site_of(browser: Browser, base_url: str, outbox: str, answers: dict) -> Iterator[Site]:
    with contexts(browser, base_url) as make:
        yield Site(base_url, LocalOutbox(outbox), answers, make)


def new_email(purpose: str) -> str:
    return f"browser-{purpose}-{uuid.uuid4().hex[:10]}@example.org"


@dataclass
class Person:
    """One person at one browser: the page, and how they act on it."""

    page: Page
    device: str
    javascript: bool
    email: str
    audit: Callable[[Page, str], None] | None = None
    shots: str | None = None  # the screenshots' suffix, when this walk takes them
    only: set[str] | None = None  # the screenshots it takes (None: all)

    @property
    def phone(self) -> bool:
        return self.device == "phone"

    def press(self, target: Locator) -> None:
        """A tap on a phone, a click elsewhere: real pointer events on the element."""
        if self.phone:
            target.tap()
        else:
            target.click()

    def choose(self, target: Locator) -> None:
        self.press(target)
        assert target.is_checked()

    def go(self, target: Locator, expected: int = 200) -> None:
        """Activates a link or button that loads a page, which must answer ``expected``."""
        with self.page.expect_navigation() as navigation:
            self.press(target)
        check_status(self.page, navigation.value, expected)

    def continue_(self, expected: int = 200) -> None:
        self.go(self.page.get_by_role("button", name="Continue", exact=True), expected)

    def seen(self, name: str) -> None:
        if self.audit:
            self.audit(self.page, name)

    def photo(self, name: str) -> None:
        if self.shots is not None and (self.only is None or name in self.only):
            screenshot(self.page, f"{name}-{self.shots}")


def check_status(page: Page, response: Response | None, expected: int) -> None:
    status = response.status if response else 0
    if status != expected:
        text = " ".join(page.locator("body").inner_text().split())[:600]
        raise AssertionError(f"{page.url} answered {status}, not {expected}: {text}")


def person(site: Site, purpose: str, device: str, javascript: bool, **options: Any) -> Person:
    context = site.make(device, javascript, **options)
    return Person(context.new_page(), device, javascript, new_email(purpose))


def latest_link(site: Site, email: str) -> str:
    messages = site.outbox.messages(email)
    assert messages, "no sign-in email was written"
    return messages[-1]["url"]


# --- the steps ---------------------------------------------------------------------------------


def ask_for_link(who: Person, mistake: bool = False) -> None:
    """From the start page to "Check your email"."""
    page = who.page
    check_status(page, page.goto("/"), 200)
    assert page.get_by_role("heading", level=1).inner_text() == "Get help with housing"
    who.seen("start")
    who.photo("start")
    who.go(page.get_by_role("button", name="Start now"))
    email = page.get_by_label("Enter your email address")
    who.seen("email")
    if mistake:
        email.fill("jo at example")
        who.continue_(expected=400)
        expect_error(
            who,
            "email",
            "Enter an email address in the correct format, like name@example.com",
            {"email": "jo at example"},
        )
        who.seen("email-error")
    email.fill(who.email)
    who.continue_()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    assert who.email in page.locator("main").inner_text()
    who.seen("check-email")


def open_link(who: Person, site: Site) -> None:
    """The link from the email, then "Continue": signed in, on "Your application"."""
    page = who.page
    check_status(page, page.goto(latest_link(site, who.email)), 200)
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    who.seen("sign-in-link")
    who.continue_()
    assert page.url.endswith("/apply"), page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Your application"


def sign_in_and_start(who: Person, site: Site, mistake: bool = False) -> None:
    ask_for_link(who, mistake)
    open_link(who, site)
    who.seen("apply")
    who.go(who.page.get_by_role("button", name="Start your application"))
    assert "/q/" in who.page.url, who.page.url


def question_key(page: Page) -> str:
    return page.url.split("?")[0].rsplit("/", 1)[-1]


def label_of(page: Page, control: Locator) -> str:
    """The text of the control's own label, read from the page (so that the control is then
    found by its accessible name, as assistive technology finds it)."""
    control_id = control.get_attribute("id")
    return " ".join(page.locator(f"label[for='{control_id}']").inner_text().split())


def question_kind(page: Page, key: str) -> str:
    if page.locator(f"#{key}-day").count():
        return "date"
    kinds = {"radio": "radios", "checkbox": "checkboxes"}
    found = page.locator(f"input[name='{key}']").first.get_attribute("type") or "text"
    return kinds.get(found, "text")


def heading(page: Page) -> str:
    return " ".join(page.get_by_role("heading", level=1).inner_text().split())


def answer(who: Person, key: str, value: Any) -> None:
    """Fills in one question's page with clicks, taps and typing (nothing for no answer)."""
    page = who.page
    kind = question_kind(page, key)
    if value is None:
        return
    if kind == "date":
        day = date.fromisoformat(value)
        group = page.get_by_role("group", name=heading(page))
        group.get_by_label("Day", exact=True).fill(str(day.day))
        group.get_by_label("Month", exact=True).fill(str(day.month))
        group.get_by_label("Year", exact=True).fill(str(day.year))
    elif kind == "radios":
        shown = {True: "yes", False: "no"}.get(value, value)
        name = label_of(page, page.locator(f"input[name='{key}'][value='{shown}']"))
        who.choose(page.get_by_role("radio", name=name, exact=True))
    elif kind == "checkboxes":
        for one in value:
            name = label_of(page, page.locator(f"input[name='{key}'][value='{one}']"))
            who.choose(page.get_by_role("checkbox", name=name, exact=True))
    else:
        page.get_by_label(heading(page), exact=True).fill(str(value))


def expect_error(who: Person, field_id: str, message: str, kept: dict[str, str]) -> None:
    """The GOV.UK error pattern: "Error:" in the title, the summary (focused, with JavaScript),
    the message by the field, and what was typed still there."""
    page = who.page
    assert page.title().startswith("Error: "), page.title()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("heading").inner_text() == "There is a problem"
    link = summary.get_by_role("link", name=message)
    assert link.get_attribute("href") == f"#{field_id}"
    inline = page.locator(".govuk-error-message")
    assert " ".join(inline.inner_text().split()) == f"Error: {message}"
    for name, value in kept.items():
        assert page.locator(f"[name='{name}']").input_value() == value, name
    if who.javascript:
        # GOV.UK Frontend's ErrorSummary takes focus on load, so a screen reader reads it out
        # and a keyboard user starts from it; its links then move focus to the field.
        assert summary.evaluate("node => node === document.activeElement")
        who.press(link)
        field = page.locator(f"#{field_id}")
        assert field.evaluate("node => node === document.activeElement"), field_id


def make_mistake(who: Person, key: str) -> None:
    """Gives the wrong answer MISTAKES holds for ``key`` and checks the error page."""
    page = who.page
    wrong = MISTAKES[key]
    kind = question_kind(page, key)
    kept: dict[str, str] = {}
    if kind == "date":
        day, month, year = wrong
        group = page.get_by_role("group", name=heading(page))
        group.get_by_label("Day", exact=True).fill(day)
        group.get_by_label("Month", exact=True).fill(month)
        group.get_by_label("Year", exact=True).fill(year)
        kept = {f"{key}-day": day, f"{key}-month": month, f"{key}-year": year}
    elif wrong is not None:
        page.get_by_label(heading(page), exact=True).fill(wrong)
        kept = {key: wrong}
    label = heading(page)
    who.continue_(expected=400)
    if key == "postcode":
        who.photo("error")  # as the page loads (the summary focused, with JavaScript)
    messages = {
        "full_name": f"Answer this question: {label}",
        "age_band": "Select an answer",
    }
    shown = " ".join(page.locator(".govuk-error-message").inner_text().split())
    message = messages.get(key, shown.removeprefix("Error: "))
    assert message and message != "Check your answer", (key, shown)
    field_id = f"{key}-day" if kind == "date" else key
    expect_error(who, field_id, message, kept)
    who.seen(f"error-{kind}-{key}")


def answer_everything(
    who: Person,
    answers: dict[str, Any],
    mistakes: bool = False,
    answer_one: Callable[[Person, str, Any], None] = answer,
    submit: Callable[[Person], None] | None = None,
) -> list[str]:
    """Answers each question page until "Check your answers"; the keys seen, in order."""
    page = who.page
    seen: list[str] = []
    while "/q/" in page.url:
        key = question_key(page)
        assert key not in seen, seen
        seen.append(key)
        kind = question_kind(page, key)
        who.seen(f"question-{kind}-{key}")
        if key == "tenure":
            who.photo("question")
        if mistakes and key in MISTAKES:
            make_mistake(who, key)
        answer_one(who, key, answers.get(key))
        (submit or Person.continue_)(who)
        assert len(seen) < 60, seen
    assert page.url.endswith("/check"), page.url
    assert "notice_type" in seen and "release_date" not in seen  # the template's conditions
    return seen


def send(who: Person, answers: dict[str, Any]) -> str:
    """Check your answers, "Accept and send", the confirmation: the case reference."""
    page = who.page
    assert heading(page) == "Check your answers before sending your application"
    rows = page.locator(".govuk-summary-list")
    assert answers["full_name"] in rows.inner_text()
    who.seen("check")
    who.photo("check")
    who.go(page.get_by_role("button", name="Accept and send"))
    assert page.url.endswith("/done"), page.url
    deadline = time.monotonic() + WAIT_SECONDS  # the case opens a moment after sending
    while not (found := REFERENCE.search(page.locator(".govuk-panel").inner_text())):
        if time.monotonic() > deadline:
            break
        page.wait_for_timeout(300)
        page.reload()
    assert found, page.locator("main").inner_text()
    assert page.get_by_role("heading", name="Application sent").is_visible()
    who.seen("done")
    who.photo("done")
    return found.group(0)


def case_page_with_pack(who: Person, reference: str) -> Locator:
    """Their case page, reloaded until the information pack is listed; its list item."""
    page = who.page
    who.go(page.get_by_role("link", name="See your case"))
    assert page.url.endswith("/my-case")
    assert reference in page.locator("main").inner_text()
    pack = page.locator("main li", has_text="Information pack")
    deadline = time.monotonic() + WAIT_SECONDS  # the pack is made after the acknowledgement
    while not pack.count() and time.monotonic() < deadline:
        page.wait_for_timeout(300)
        page.reload()
    assert page.get_by_role("heading", name="Your documents").is_visible()
    assert pack.count() == 1, page.locator("main").inner_text()
    assert page.get_by_text("Send us your tenancy agreement").is_visible()  # their own task
    who.seen("my-case")
    who.photo("my-case")
    return pack


def read_pack(who: Person, pack: Locator) -> None:
    """The HTML edition opens in the browser; the PDF link answers with a PDF."""
    page = who.page
    pdf = pack.get_by_role("link", name="download the PDF").get_attribute("href")
    download = page.context.request.get(pdf)
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.body().startswith(b"%PDF-")
    who.go(pack.get_by_role("link", name="read it"))
    assert "edition=html" in page.url
    assert len(page.locator("body").inner_text()) > 200
    if who.audit:
        # Its Content-Security-Policy sandboxes it, so no script runs in it, axe's included:
        # axe audits the same markup (its styles are inline) in a page of its own.
        with copy_of(page) as copy:
            who.audit(copy, "pack-html")
    page.go_back()


# --- pytest's side ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    log = tmp_path_factory.mktemp("browser") / "worker.log"
    with browser_worker("tests.gateway.test_browser_customer", log) as started:
        yield started


@pytest.fixture
def in_browser(worker, front) -> Callable[..., Any]:
    """Runs a scenario of this module in the browser worker against this gateway."""
    from shared.clock import london_today
    from tests.scenarios import section_8

    where = {
        "base_url": front.url,
        "outbox": str(front.outbox.folder),
        "answers": section_8(london_today()),
    }

    def run(scenario: Callable[..., Any], **arguments: Any) -> Any:
        return worker.run(scenario.__name__, **where, **arguments)

    return run


# --- 1. the whole enquiry -------------------------------------------------------------------


def scenario_apply(browser: Browser, device: str, javascript: bool, **where: Any) -> str:
    with site_of(browser, **where) as site:
        who = person(site, "apply", device, javascript)
        who.shots = device + ("" if javascript else "-nojs")
        sign_in_and_start(who, site)
        answer_everything(who, site.answers)
        reference = send(who, site.answers)
        read_pack(who, case_page_with_pack(who, reference))
        return reference


# A phone without JavaScript is left out to keep the file near two and a half minutes (each
# walk is about 12 s of RPC calls): the save-and-return walk comes back on one.
@pytest.mark.parametrize(
    ("device", "javascript"),
    [("phone", True), ("desktop", False), ("desktop", True)],
    ids=["phone-js", "desktop-nojs", "desktop-js"],
)
def test_a_person_applies_and_finds_their_pack(in_browser, device, javascript):
    reference = in_browser(scenario_apply, device=device, javascript=javascript)
    assert REFERENCE.fullmatch(reference)


# --- 2. save and come back ---------------------------------------------------------------------


def scenario_save_and_return(browser: Browser, **where: Any) -> None:
    with site_of(browser, **where) as site:
        answers = site.answers
        first = person(site, "return", "desktop", True)
        sign_in_and_start(first, site)
        for _ in range(3):  # their name, their age, their email
            key = question_key(first.page)
            answer(first, key, answers[key])
            first.continue_()
        assert question_key(first.page) == "phone"
        first.go(first.page.get_by_role("link", name="Save and come back later"))
        assert first.page.get_by_role("link", name="Continue the application you started").count()
        first_link = latest_link(site, first.email)

        # Another day, another browser (no cookies): a new link to the same address.
        later = person(site, "return", "phone", False)
        later.email = first.email
        ask_for_link(later)
        assert latest_link(site, later.email) != first_link
        open_link(later, site)
        page = later.page
        later.go(page.get_by_role("link", name="Continue the application you started"))
        # Back where they left off: the first question they must still answer, and behind it
        # the answers they gave.
        assert question_key(page) == "postcode", page.url
        for key in ("phone", "email"):
            later.go(page.get_by_role("link", name="Back", exact=True))
            assert question_key(page) == key
        assert page.get_by_label("Email address").input_value() == answers["email"]
        later.go(page.get_by_role("link", name="Back", exact=True))
        assert page.get_by_role("radio", name="25 or over").is_checked()
        later.go(page.get_by_role("link", name="Back", exact=True))
        assert page.get_by_label("What is your full name?").input_value() == answers["full_name"]
        later.continue_()
        answer_everything(later, answers)
        rows = page.locator(".govuk-summary-list").inner_text()
        assert answers["full_name"] in rows and "25 or over" in rows


def test_a_person_saves_and_comes_back_with_a_new_link(in_browser):
    in_browser(scenario_save_and_return)


# --- 3. errors ---------------------------------------------------------------------------


def scenario_errors(browser: Browser, device: str, javascript: bool, **where: Any) -> list[str]:
    with site_of(browser, **where) as site:
        who = person(site, "errors", device, javascript)
        who.shots, who.only = device + ("" if javascript else "-nojs"), {"error"}
        sign_in_and_start(who, site, mistake=True)
        return answer_everything(who, site.answers, mistakes=True)


@pytest.mark.parametrize(
    ("device", "javascript"),
    [("phone", True), ("desktop", False)],
    ids=["phone-js", "desktop-nojs"],
)
def test_errors_are_summarised_explained_and_keep_what_was_typed(in_browser, device, javascript):
    seen = in_browser(scenario_errors, device=device, javascript=javascript)
    assert set(MISTAKES) <= set(seen)


# --- 4. keyboard only -----------------------------------------------------------------------

FOCUS_VISIBLE = """node => {
  // GOV.UK Frontend's focus state: a yellow outline, background or shadow, on the control or
  // (radios and checkboxes) on the box its label draws.
  const yellow = value => /255, 221, 0/.test(value);
  const style = getComputedStyle(node);
  if (yellow(style.outlineColor) && style.outlineStyle !== "none") return true;
  if (yellow(style.backgroundColor) || yellow(style.boxShadow)) return true;
  const label = node.labels && node.labels[0];
  return !!label && yellow(getComputedStyle(label, "::before").boxShadow);
}"""


def tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Presses Tab until ``target`` has focus; its focus must be visible (WCAG 2.4.7)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("node => node === document.activeElement"):
            assert target.evaluate(FOCUS_VISIBLE), f"no visible focus on {target}"
            return
    raise AssertionError(f"Tab never reached {target}")


def key_answer(who: Person, key: str, value: Any) -> None:
    """One question answered with the keyboard: Tab, typing, arrows and Space."""
    page = who.page
    kind = question_kind(page, key)
    if value is None:
        return
    if kind == "date":
        day = date.fromisoformat(value)
        tab_to(page, page.get_by_label("Day", exact=True))
        page.keyboard.type(str(day.day))
        page.keyboard.press("Tab")
        page.keyboard.type(str(day.month))
        page.keyboard.press("Tab")
        page.keyboard.type(str(day.year))
        assert page.get_by_label("Year", exact=True).input_value() == str(day.year)
    elif kind == "radios":
        # Tab enters the group at its first radio; Space picks it, the arrows move along.
        shown = {True: "yes", False: "no"}.get(value, value)
        radios = page.locator(f"input[name='{key}']")
        tab_to(page, radios.first)
        target = page.locator(f"input[name='{key}'][value='{shown}']")
        page.keyboard.press("Space")
        for _ in range(radios.count()):
            if target.is_checked():
                break
            page.keyboard.press("ArrowDown")
        assert target.is_checked(), (key, value)
    elif kind == "checkboxes":
        for one in value:
            box = page.locator(f"input[name='{key}'][value='{one}']")
            tab_to(page, box)
            page.keyboard.press("Space")
            assert box.is_checked(), (key, one)
    else:
        tab_to(page, page.get_by_label(heading(page), exact=True))
        page.keyboard.type(str(value))


def key_activate(who: Person, target: Locator) -> None:
    """Tab to a link or button and press Enter: the page it loads answers 200."""
    page = who.page
    tab_to(page, target)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    check_status(page, navigation.value, 200)


def key_submit(who: Person) -> None:
    key_activate(who, who.page.get_by_role("button", name="Continue", exact=True))


def scenario_keyboard(browser: Browser, **where: Any) -> None:
    with site_of(browser, **where) as site:
        who = person(site, "keyboard", "desktop", True)
        page = who.page
        check_status(page, page.goto("/"), 200)
        key_activate(who, page.get_by_role("button", name="Start now"))
        tab_to(page, page.get_by_label("Enter your email address"))
        page.keyboard.type(who.email)
        key_submit(who)
        assert heading(page) == "Check your email"
        check_status(page, page.goto(latest_link(site, who.email)), 200)  # from their mail app
        key_submit(who)
        assert page.url.endswith("/apply")
        key_activate(who, page.get_by_role("button", name="Start your application"))
        seen = answer_everything(who, site.answers, answer_one=key_answer, submit=key_submit)
        assert len(seen) > 15
        assert site.answers["full_name"] in page.locator(".govuk-summary-list").inner_text()
        key_activate(who, page.get_by_role("button", name="Accept and send"))
        assert page.url.endswith("/done")
        key_activate(who, page.get_by_role("link", name="See your case"))
        assert page.url.endswith("/my-case")


def test_a_keyboard_user_signs_in_answers_and_sends(in_browser):
    in_browser(scenario_keyboard)


# --- 5. accessibility -----------------------------------------------------------------------


@dataclass
class Audit:
    """axe's findings on each distinct page, collected so that one run reports every page."""

    variant: str
    found: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __call__(self, page: Page, name: str) -> None:
        if name not in self.found:
            self.found[name] = axe_violations(page)

    def report(self) -> str:
        failing = {name: found for name, found in self.found.items() if found}
        lines = [
            f"{self.variant}: {len(failing)} of {len(self.found)} pages have WCAG 2.2 A/AA "
            f"violations ({', '.join(failing)})"
        ]
        lines += [describe_violations(name, found) for name, found in failing.items()]
        return "\n".join(lines)


def scenario_axe(browser: Browser, device: str, scripts: bool, **where: Any) -> list[str]:
    with site_of(browser, **where) as site:
        who = person(site, "axe", device, True, block_scripts=not scripts)
        who.javascript = scripts  # what the error pages may expect of GOV.UK Frontend
        audit = who.audit = Audit(f"{device}, {'with' if scripts else 'without'} scripts")
        sign_in_and_start(who, site, mistake=True)
        answer_everything(who, site.answers, mistakes=True)
        reference = send(who, site.answers)
        read_pack(who, case_page_with_pack(who, reference))
        check_status(who.page, who.page.goto("/apply"), 200)
        audit(who.page, "apply-with-case")
        expected = {"start", "email", "email-error", "check-email", "sign-in-link", "apply"}
        expected |= {"check", "done", "my-case", "pack-html", "apply-with-case"}
        assert expected <= set(audit.found), sorted(audit.found)
        kinds = {name.split("-")[1] for name in audit.found if name.startswith("question-")}
        assert kinds == {"text", "radios", "checkboxes", "date"}, kinds
        assert not any(audit.found.values()), audit.report()
        return sorted(audit.found)


@pytest.mark.parametrize(
    ("device", "scripts"),
    [("phone", True), ("desktop", False)],
    ids=["phone-js", "desktop-noscripts"],
)
def test_every_page_passes_axe_wcag22_aa(in_browser, device, scripts):
    """Every kind of page, errors included. Without scripts, JavaScript stays on for axe but
    no script file loads: GOV.UK Frontend's components do not start, as without JavaScript."""
    audited = in_browser(scenario_axe, device=device, scripts=scripts)
    assert len(audited) > 30
