"""Helpers for the browser tests: Debian's Chromium driven by Playwright's sync API, a phone and
a desktop with JavaScript on or off, an axe-core audit against WCAG 2.2 A and AA, and
screenshots into var/screenshots/ (git-ignored).

The browser runs in a worker process of its own, not in pytest's. pytest's process is
eventlet-monkey-patched (tests/conftest.py), and Playwright's sync API switches between greenlets
of its own (a dispatcher fiber running its asyncio loop, a greenlet per event handler) while
that loop waits on eventlet's green ``select``: eventlet then makes its hub the parent of those
greenlets, so when one of them finishes, control goes to the hub instead of the greenlet that
waits for it, and the test hangs (seen in the first navigation that fires an event, and in
``Playwright.stop()``). So pytest starts ``python -m tests.gateway.browser <module>`` once
(``browser_worker``), and each test asks it to run one of that module's scenario functions
(``Worker.run``): the scenario gets the browser and drives it with the plain sync API; its
failure comes back as the test's failure, with the worker's traceback.

With JavaScript off, ``page.evaluate`` never returns (the page's main world runs nothing), so
axe audits only contexts with JavaScript on: ``axe_check`` refuses a JavaScript-off context rather
than hang. A context with JavaScript on whose script files are blocked (``block_scripts``) is
the nearest to a browser without JavaScript that axe can still run in (it is injected through
the DevTools protocol, not by the page): GOV.UK Frontend's components never start, though the
template's one inline line still adds the ``js-enabled`` classes to the body.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import traceback
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

CHROMIUM = os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: the Public Sector Bodies Accessibility Regulations
# ask for 2.1 AA; 2.2 AA is what GOV.UK services are assessed against now.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

DEVICES: dict[str, dict[str, Any]] = {
    # A small phone (an iPhone 13 mini's CSS viewport): the narrowest layout people meet.
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}

_axe = Axe()
_addresses = itertools.count(1)
# Contexts made with JavaScript off: page.evaluate would never return in them.
_without_javascript: weakref.WeakSet[BrowserContext] = weakref.WeakSet()


@contextmanager
def launched_browser() -> Iterator[Browser]:
    """Chromium (never ``playwright install``: the system's Chromium is the browser). Not in
    an eventlet-patched process: see the module's docstring."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def client_address() -> str:
    """A client address of its own for a context (sent as X-Forwarded-For, which the gateway
    trusts from 127.0.0.1), so that per-address rate limits count each context apart."""
    number = next(_addresses)
    return f"10.77.{(os.getpid() + number // 250) % 250}.{number % 250 + 1}"


def new_context(
    browser: Browser,
    base_url: str,
    device: str = "desktop",
    javascript: bool = True,
    block_scripts: bool = False,
) -> BrowserContext:
    """A fresh browser profile (no cookies) as a phone or a desktop.

    ``block_scripts``: JavaScript stays on (so axe can run) but no script file loads, so GOV.UK
    Frontend's components do not start (see the module's docstring)."""
    context = browser.new_context(
        base_url=base_url,
        java_script_enabled=javascript,
        extra_http_headers={"X-Forwarded-For": client_address()},
        locale="en-GB",
        timezone_id="Europe/London",
        **DEVICES[device],
    )
    # Generous: each page is several RPC calls through the broker, slow on a busy machine.
    context.set_default_timeout(30_000)
    context.set_default_navigation_timeout(45_000)
    if not javascript:
        _without_javascript.add(context)
    if block_scripts:
        context.route("**/*.js", _refuse)
    return context


def _refuse(route: Route) -> None:
    route.abort()


@contextmanager
def contexts(browser: Browser, base_url: str) -> Iterator[Callable[..., BrowserContext]]:
    """A factory of contexts (see ``new_context``) that closes all it made on the way out."""
    made: list[BrowserContext] = []

    def make(device: str = "desktop", javascript: bool = True, **options: Any) -> BrowserContext:
        context = new_context(browser, base_url, device, javascript, **options)
        made.append(context)
        return context

    try:
        yield make
    finally:
        for context in made:
            context.close()


# --- accessibility ---------------------------------------------------------------------------


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.2 A and AA on the page as it is now."""
    if page.context in _without_javascript:
        raise AssertionError(
            "axe needs JavaScript: audit in a context with JavaScript on (block_scripts=True "
            "gives the markup a browser without JavaScript sees)"
        )
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return _axe.run(page, options=options).response["violations"]


def describe_violations(name: str, violations: list[dict[str, Any]]) -> str:
    """One line per rule and element: what a person fixing the template needs."""
    lines = [f"{name}: {len(violations)} WCAG 2.2 A/AA violation(s)"]
    for violation in violations:
        lines.append(
            f"  - {violation['id']} ({violation.get('impact')}): {violation.get('help')}"
            f" [{violation.get('helpUrl', '')}]"
        )
        for node in violation.get("nodes", []):
            target = " ".join(str(part) for part in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"      at {target}: {summary}")
            lines.append(f"      html: {' '.join(node.get('html', '').split())[:300]}")
    return "\n".join(lines)


@contextmanager
def copy_of(page: Page) -> Iterator[Page]:
    """The page's markup in a new page with no Content-Security-Policy: for axe on a document
    whose policy sandboxes it (no scripts at all), where ``page.evaluate`` would wait forever.
    Only for documents that carry their styles inline: relative links do not resolve here."""
    copy = page.context.new_page()
    try:
        copy.set_content(page.content())
        yield copy
    finally:
        copy.close()


def axe_check(page: Page, name: str | None = None) -> list[dict[str, Any]]:
    """Asserts that axe finds no WCAG 2.2 A/AA violations on the page; returns them (none)."""
    violations = axe_violations(page)
    assert not violations, describe_violations(name or page.url, violations)
    return violations


# --- screenshots ---------------------------------------------------------------------------


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """The page as the person sees it, saved as var/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


# --- the worker process ----------------------------------------------------------------------

SCENARIO_SECONDS = 240


class Worker:
    """pytest's end of the browser worker: one scenario at a time, as JSON lines."""

    def __init__(self, module: str, log: Path) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.gateway.browser", module],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )

    def run(self, scenario: str, **arguments: Any) -> Any:
        """Runs ``scenario(browser, **arguments)`` in the worker; its result, or a failure
        with the worker's traceback."""
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"scenario": scenario, "arguments": arguments}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], SCENARIO_SECONDS + 60)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise AssertionError(f"the browser worker did not answer:\n{self.log_tail()}")
        reply = json.loads(line)
        if not reply["ok"]:
            pytest.fail(
                f"{scenario} failed in the browser worker:\n{reply['error']}", pytrace=False
            )
        return reply["result"]

    def log_tail(self) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()


@contextmanager
def browser_worker(module: str, log: Path) -> Iterator[Worker]:
    worker = Worker(module, log)
    try:
        yield worker
    finally:
        worker.close()


def _time_out(_signal: int, _frame: Any) -> None:
    raise TimeoutError(f"the scenario took more than {SCENARIO_SECONDS} seconds")


def serve(module_name: str) -> None:
    """The worker's end: reads scenarios from stdin and answers each on stdout."""
    module = importlib.import_module(module_name)
    replies, sys.stdout = sys.stdout, sys.stderr  # nothing else may write to the replies
    signal.signal(signal.SIGALRM, _time_out)
    with launched_browser() as browser:
        for line in sys.stdin:
            request = json.loads(line)
            signal.alarm(SCENARIO_SECONDS)
            try:
                result = getattr(module, request["scenario"])(browser, **request["arguments"])
                reply = {"ok": True, "result": result}
            except BaseException:  # noqa: BLE001 - every failure goes back to the test
                reply = {"ok": False, "error": traceback.format_exc()}
            finally:
                signal.alarm(0)
            replies.write(json.dumps(reply) + "\n")
            replies.flush()


if __name__ == "__main__":
    # Through the importable module, so that the scenarios share its state (not __main__'s).
    from tests.gateway.browser import serve as serve_scenarios

    serve_scenarios(sys.argv[1])
