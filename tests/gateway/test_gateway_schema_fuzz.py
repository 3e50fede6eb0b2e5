"""Schemathesis against the running gateway, from the OpenAPI document it serves: for an admin
and a caseworker (bearer tokens from the local provider, so no CSRF token is needed) and for a
customer (session cookie and X-CSRF-Token), every operation is tried with a bounded, seeded set of
generated requests, valid and invalid. No answer may be a 5xx, and every answer must be one the
document describes: its status code, its content type and its body's schema.

Generated ids name nothing, so alone they only reach the services' 404s. A customer's submitted
enquiry, its case, documents and tasks are made first, and schemathesis uses their ids for some of
the requests (a dictionary, in its own words), so the services' own code runs too.

The credentials go to schemathesis as the document's security schemes (``bearer``, ``session``):
given only as headers, schemathesis would also generate values for those schemes, and a generated
Authorization header beside a customer's cookie makes every request a 401. They reach the CLI
through its environment, not its command line.

The CLI runs in a subprocess: it does its own networking, which this eventlet-patched process
should not host. 404, 409, 422 and the like are documented answers, not failures; so is 429 from
the gateway's rate limits (each run comes from an X-Forwarded-For address of its own, so it uses
up no other test's allowance).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from services.gateway.context import SESSION_COOKIE
from shared.clock import london_today
from tests.gateway.conftest import Front, sign_in_customer
from tests.gateway.test_gateway_sign_in import app_access_token
from tests.scenarios import section_8

pytestmark = pytest.mark.integration

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
)
# The same requests on every run (but for the ids the services hand out): a failure in CI is one
# a developer can replay.
SEED = 20260101
MAX_EXAMPLES = 5
# How often a path parameter is one of the known ids rather than a generated value.
KNOWN_ID_PROBABILITY = 0.5
# Not fuzzed: /auth/login and /auth/callback are the browser's redirect dance with the identity
# provider (state, nonce and PKCE verifier in a signed cookie), so generated requests only ever
# meet its refusals; /auth/sign-out would end the customer's session part-way and turn the rest
# of that run into 401s.
NOT_FUZZED = r"^/auth/(login|callback|sign-out)$"
# The session's clock and "stay signed in" belong to a browser's session: staff here use bearer
# tokens, for which there is no session and every answer is 401; the customer's run tries them.
NOT_FUZZED_WITHOUT_SESSION = r"^/auth/(login|callback|sign-out|session|session/extend)$"
STAFF = {"admin": "local-admin", "caseworker": "local-caseworker"}
TEMPLATE = "housing-options-enquiry"
RUN_SECONDS = 150
FAILURE_TEXT_LIMIT = 12000

# The values come from the CLI's environment (FUZZ_*), so no credential is on its command line.
# (Headers given with --header would replace the file's, so every header is in the file.)
AUTH = {
    "staff": ('{ "X-Forwarded-For" = "${FUZZ_ADDRESS}" }', "bearer", 'bearer = "${FUZZ_BEARER}"'),
    "customer": (
        '{ "X-Forwarded-For" = "${FUZZ_ADDRESS}", "X-CSRF-Token" = "${FUZZ_CSRF}" }',
        "session",
        'api_key = "${FUZZ_SESSION}"',
    ),
}
# Answers that mean the run's credentials were not sent as a browser or app would send them.
REFUSED_CREDENTIALS = frozenset({"csrf_token_missing", "cross_site_request"})


@dataclass(frozen=True)
class World:
    session: str
    csrf_token: str
    # Path parameter name -> ids that exist.
    known: dict[str, list[str]]


@pytest.fixture(scope="module")
def world(front: Front) -> World:
    """A customer's enquiry, submitted (before any fuzzing spends their submission allowance),
    and the case it opened, with its information pack and tasks."""
    browser = sign_in_customer(front, f"schema.fuzz.{uuid.uuid4().hex[:8]}@example.org")
    started = browser.post("/api/v1/enquiries", json={"template_key": TEMPLATE})
    assert started.status_code == 201, started.text
    enquiry = started.json()["id"]
    submitted = browser.post(
        f"/api/v1/enquiries/{enquiry}/submission", json={"answers": section_8(london_today())}
    )
    assert submitted.status_code == 200, submitted.text
    officer = front.client()
    token = app_access_token(front, STAFF["caseworker"])["access_token"]
    officer.headers["Authorization"] = f"Bearer {token}"
    deadline = time.monotonic() + 90
    while True:
        case = browser.get(f"/api/v1/enquiries/{enquiry}/case")
        documents = (
            officer.get(f"/api/v1/cases/{case.json()['id']}/documents")
            if case.status_code == 200
            else None
        )
        if documents is not None and documents.status_code == 200 and documents.json():
            break
        assert time.monotonic() < deadline, (case.text, front.log())
        time.sleep(0.5)
    tasks = officer.get(f"/api/v1/cases/{case.json()['id']}/tasks")
    statements = officer.get("/api/v1/statements")
    assert tasks.status_code == statements.status_code == 200, (tasks.text, statements.text)
    known = {
        "case": [case.json()["reference"], case.json()["id"]],
        "enquiry_id": [enquiry],
        "document_id": [document["id"] for document in documents.json()],
        "task_id": [task["task_id"] for task in tasks.json()][:5],
        # Read only: /templates/{key}. Statement keys are left out of "key", where an admin's
        # PUT /statements/{key} would save a fuzzed version of a statement other tests read.
        "key": [TEMPLATE],
        "statement_key": [statement["key"] for statement in statements.json()][:5],
    }
    return World(
        browser.cookies[SESSION_COOKIE],
        browser.headers["X-CSRF-Token"],
        {name: ids for name, ids in known.items() if ids},
    )


def _config(world: World, who: str) -> str:
    """schemathesis.toml: who signs the requests, and the known ids as dictionaries, one per
    path parameter."""
    headers, scheme, credential = AUTH["customer" if who == "customer" else "staff"]
    lines = [f"headers = {headers}", "", f"[auth.openapi.{scheme}]", credential, ""]
    for name, ids in world.known.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(ids)}", ""]
    lines.append("[parameters]")
    lines += [
        f'"path.{name}" = {{ dictionary = "{name}", probability = {KNOWN_ID_PROBABILITY} }}'
        for name in world.known
    ]
    return "\n".join(lines) + "\n"


def _credentials(front: Front, world: World, who: str) -> dict[str, str]:
    """The CLI's FUZZ_* variables for ``who``, with a client address of the run's own."""
    address = ".".join(str(part % 250) for part in uuid.uuid4().bytes[:3])
    if who == "customer":
        secrets = {"FUZZ_SESSION": world.session, "FUZZ_CSRF": world.csrf_token}
    else:
        secrets = {"FUZZ_BEARER": app_access_token(front, STAFF[who])["access_token"]}
    return {**secrets, "FUZZ_ADDRESS": f"10.{address}"}


def _signed_in(front: Front, credentials: dict[str, str], who: str) -> None:
    """A run against services that are down, or with credentials that do not work, says nothing
    about the schema: fail plainly instead."""
    health = httpx.get(f"{front.url}/api/v1/health", timeout=30)
    assert health.status_code == 200, f"the services are not all up: {health.text}"
    if who == "customer":
        headers = {"Cookie": f"{SESSION_COOKIE}={credentials['FUZZ_SESSION']}"}
    else:
        headers = {"Authorization": f"Bearer {credentials['FUZZ_BEARER']}"}
    me = httpx.get(f"{front.url}/api/v1/me", headers=headers, timeout=30)
    assert me.status_code == 200, f"{who}: {me.text}"
    assert me.json()["kind"] == ("customer" if who == "customer" else "staff"), me.text


def _report(output: str, section: str) -> str:
    """One section of the CLI's output (FAILURES: per operation, the check, the response and a
    curl command with the credentials filtered out) and the counts from its summary."""
    lines = output.splitlines()
    headings = {
        match.group(1): i
        for i, line in enumerate(lines)
        if (match := re.match(r"^=+ ([A-Z]+) =+$", line))
    }
    start = headings.get(section, 0)
    end = min((i for i in headings.values() if i > start), default=len(lines))
    counts = lines[headings["SUMMARY"] :] if "SUMMARY" in headings else lines[-40:]
    found = lines[start:end] if start < headings.get("SUMMARY", len(lines)) else []
    kept = [line for line in [*found, *counts] if not line.strip().startswith("st replay")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept))
    if len(text) > FAILURE_TEXT_LIMIT:
        half = FAILURE_TEXT_LIMIT // 2
        text = f"{text[:half]}\n[...]\n{text[-half:]}"
    return text


def _answers(events: Path) -> tuple[Counter[int], Counter[str]]:
    """How many answers had each status code, and each problem ``code``, from the CLI's event
    log (its NDJSON report: every recorded interaction has a request and a response)."""
    statuses: Counter[int] = Counter()
    codes: Counter[str] = Counter()

    def visit(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            response = node.get("response")
            if "request" in node and isinstance(response, dict) and "status_code" in response:
                statuses[response["status_code"]] += 1
                codes[_problem_code(response.get("content"))] += 1
            else:
                for value in node.values():
                    visit(value)

    with events.open(encoding="utf-8") as lines:
        for line in lines:
            visit(json.loads(line))
    return statuses, codes


def _problem_code(content: object) -> str:
    if not isinstance(content, dict) or "$base64" not in content:
        return ""
    try:
        body = json.loads(base64.b64decode(content["$base64"]))
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""


@pytest.mark.parametrize("who", ["admin", "caseworker", "customer"])
def test_every_operation_answers_as_its_schema_says(
    front: Front, world: World, who: str, tmp_path: Path
):
    credentials = _credentials(front, world, who)
    _signed_in(front, credentials, who)
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(world, who), encoding="utf-8")
    report, events = tmp_path / "report.json", tmp_path / "events.ndjson"
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{front.url}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--exclude-path-regex",
        NOT_FUZZED if who == "customer" else NOT_FUZZED_WITHOUT_SESSION,
        # Every operation to the end, so one failure does not hide another on the same one.
        "--continue-on-failure",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "json,ndjson",
        "--report-json-path",
        str(report),
        "--report-ndjson-path",
        str(events),
    ]
    output = tmp_path / "schemathesis.txt"
    started = time.monotonic()
    with output.open("w", encoding="utf-8") as sink:
        # In a folder of its own: no .hypothesis or report folder lands in the repository.
        finished = subprocess.run(
            command,
            cwd=tmp_path,
            env={**os.environ, **credentials},
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=RUN_SECONDS,
        )
    text = output.read_text(encoding="utf-8", errors="replace")
    assert report.exists(), (
        f"schemathesis did not run (exit {finished.returncode}):\n{text[-4000:]}"
    )
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert finished.returncode == 0, (
        f"{who}: {summary['test_cases']['unique_failures']} failures in"
        f" {summary['test_cases']['generated']} requests"
        f" ({time.monotonic() - started:.0f} s):\n{_report(text, 'FAILURES')}"
    )
    # A run that tested nothing, or whose credentials were not used, would pass too: an
    # operation answering only 401 (403 is a role's refusal) says the credentials went missing.
    assert not re.search(r"^401 Unauthorized \(", text, re.MULTILINE), _report(text, "WARNINGS")
    statuses, codes = _answers(events)
    refused = {code: codes[code] for code in REFUSED_CREDENTIALS if codes[code]}
    assert not refused, f"{who}: {refused} ({dict(statuses)})"
    _signed_in(front, credentials, who)
    assert summary["operations"]["tested"] == summary["operations"]["selected"] > 40, summary
    assert not summary["errors"], summary["errors"]
