"""The personal-data leak check (issue 17): no log line and no error a caller sees may hold the
personal data the tests use.

A pytest plugin (``tests/conftest.py`` loads it), on unless ``PII_LEAK_CHECK=0``. During the
session it watches:

- every log record created in the test process (the services the integration tests run in
  it), as a service process would write it: through the redacting filter every service's
  LOGGING installs (``shared.redaction``);
- every RPC error a nameko caller in the test process receives (``exc_args`` and ``value``);
- every problem document (``application/problem+json``) the gateway answers an httpx client;

and at the end it reads every ``*.log`` file under the session's temporary folder: the logs of
the service, gateway and identity provider processes the end-to-end and gateway tests start.
Each is searched for the sample values below; a match fails the session (exit status 1) and is
listed with the file and line, or the test and the logger's source line, where it appeared.

The service processes log at WARNING in the tests; ``PII_LEAK_CHECK_LOG_LEVEL=INFO`` (or
``DEBUG``) runs them, and this process, at that level so the check sees every line an operator
could switch on.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shared.redaction import redact_record

ENV = "PII_LEAK_CHECK"
LEVEL_ENV = "PII_LEAK_CHECK_LOG_LEVEL"

# A disclosure of the kind an officer records in a note (tests/hostile uses it).
DISCLOSURE = "Disclosed abuse by her former partner; diagnosed with PTSD in March"
# Free text the tests write as notes and reasons: an officer's words about a person.
OFFICERS_WORDS = (
    DISCLOSURE,
    "Called the landlord.",
    "Landlord contacted about the arrears.",
    "Missed every appointment",
    "The applicant asked us to stop",
    "Landlord agreed to talk",
)
# People the tests invent, besides those in tests/scenarios.py.
NAMES = ("Jo Bloggs", "Amara Okafor", "Ade Okafor", "Gwenllian Jones")
# Every customer the tests invent has an address at example.org (councils' are elsewhere).
CUSTOMER_EMAIL = r"[A-Za-z0-9._%+-]+@example\.org"


def sample_values() -> list[str]:
    """The names, emails and postcodes of the scenarios' people, and the words above."""
    from tests.scenarios import SCENARIOS

    values = {*OFFICERS_WORDS, *NAMES}
    for answers, _workflow, _duty in SCENARIOS.values():
        given = answers(date.today())
        values.update(str(given[key]) for key in ("full_name", "postcode") if given.get(key))
    return sorted(values)


def enabled() -> bool:
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class Leak:
    where: str
    value: str
    excerpt: str


class LeakCheck:
    def __init__(self) -> None:
        values = "|".join(re.escape(v) for v in sample_values())
        self.pattern = re.compile(f"{values}|{CUSTOMER_EMAIL}", re.IGNORECASE)
        self.leaks: list[Leak] = []
        self.current_test = "(outside a test)"
        self.basetemp: Path | None = None
        self._undo: list[Any] = []

    def search(self, text: str, where: str) -> None:
        for line in text.splitlines():
            match = self.pattern.search(line)
            if match and len(self.leaks) < 200:
                self.leaks.append(Leak(where, match.group(), line.strip()[:300]))

    # --- what the test process sees ------------------------------------------------------

    def start(self) -> None:
        handler = _Collector(self)
        root = logging.getLogger()
        root.addHandler(handler)
        self._undo.append(lambda: root.removeHandler(handler))
        level = os.environ.get(LEVEL_ENV)
        if level:
            previous = root.level
            root.setLevel(level.upper())
            self._undo.append(lambda: root.setLevel(previous))
            self._run_services_at(level.upper())
        self._watch_rpc_errors()
        self._watch_problem_documents()

    def stop(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _watch_rpc_errors(self) -> None:
        import nameko.rpc

        original = nameko.rpc.deserialize

        def deserialize(data: dict[str, Any]) -> Exception:
            text = json.dumps(
                {"exc_args": data.get("exc_args"), "value": data.get("value")}, default=str
            )
            self.search(text, f"RPC error {data.get('exc_type')} in {self.current_test}")
            return original(data)

        nameko.rpc.deserialize = deserialize
        self._undo.append(lambda: setattr(nameko.rpc, "deserialize", original))

    def _watch_problem_documents(self) -> None:
        import httpx

        original = httpx.Client.send

        def send(client: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
            response = original(client, request, **kwargs)
            kind = response.headers.get("content-type", "")
            if kind.startswith("application/problem+json") and not kwargs.get("stream"):
                where = f"problem from {request.method} {request.url.path} in {self.current_test}"
                self.search(response.text, where)
            return response

        httpx.Client.send = send  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(httpx.Client, "send", original))

    def _run_services_at(self, level: str) -> None:
        """The end-to-end and gateway fixtures start their processes at WARNING."""
        from scripts import processes

        original = processes.ServiceProcesses.__init__

        def init(self_: Any, env: dict[str, str], *args: Any, **kwargs: Any) -> None:
            original(self_, {**env, "LOG_LEVEL": level}, *args, **kwargs)

        processes.ServiceProcesses.__init__ = init  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(processes.ServiceProcesses, "__init__", original))

    # --- what the processes wrote ----------------------------------------------------------

    def read_log_files(self) -> None:
        if self.basetemp is None or not self.basetemp.is_dir():
            return
        for path in sorted(self.basetemp.rglob("*.log")):
            with open(path, encoding="utf-8", errors="replace") as handle:
                for number, line in enumerate(handle, start=1):
                    self.search(line, f"{path}:{number}")


class _Collector(logging.Handler):
    """Every record of the test process, redacted and formatted as a service's handler would
    write it (on a copy: the other handlers, caplog's among them, see the record as it was)."""

    def __init__(self, check: LeakCheck) -> None:
        super().__init__(logging.NOTSET)
        self.check = check

    def emit(self, record: logging.LogRecord) -> None:
        try:
            written = copy.copy(record)
            redact_record(written)
            text = "\n".join(filter(None, (written.getMessage(), written.exc_text)))
        except Exception:  # noqa: BLE001 - a malformed record is not this check's business
            return
        source = f"{record.pathname}:{record.lineno}"
        self.check.search(text, f"log {record.name} ({source}) in {self.check.current_test}")


_check: LeakCheck | None = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _check
    if enabled():
        _check = LeakCheck()
        _check.start()


@pytest.fixture(scope="session", autouse=True)
def _leak_check_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    if _check is not None:
        _check.basetemp = tmp_path_factory.getbasetemp()


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    if _check is not None:
        _check.current_test = nodeid


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _check is None:
        return
    _check.current_test = "(session teardown)"
    _check.stop()
    _check.read_log_files()
    if _check.leaks and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _check is None or not _check.leaks:
        return
    terminalreporter.section("personal data in logs or errors", sep="=", red=True)
    terminalreporter.line(
        f"{len(_check.leaks)} line(s) hold the tests' sample personal data"
        f" (tests/leak_check.py; {ENV}=0 turns the check off):"
    )
    for leak in _check.leaks:
        terminalreporter.line(f"{leak.where}: {leak.value!r}\n    {leak.excerpt}")
