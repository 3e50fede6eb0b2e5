"""Hostile statements against the real advice service (issue 17, "freezing a service with one
saved statement"): a body that renders for ever, a day count that overflows the date arithmetic,
an ``all`` chain hundreds deep. Saving one is refused with a typed error naming the field; one
stored behind the checks' back (as an older version could have) is left out of every match and
reported, the rest of the advice still goes out, and the service keeps answering meanwhile."""

from __future__ import annotations

import json
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import date

import eventlet
import pytest

from services.advice.service import AdviceService
from services.enquiry.service import EnquiryService
from shared.envelope import Envelope
from shared.errors import ValidationFailed
from tests.identity import SignedRpc
from tests.integration.helpers import execute_sql, publish
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration
TODAY = date.today()
# A refusal or a match takes milliseconds; a second leaves room for a loaded machine.
QUICK_SECONDS = 1.0
TENANT = {
    "tenure": "private_rented",
    "must_leave_date": TODAY.isoformat(),
    "full_name": "Jo Bloggs",
}

LOOP_BODY = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
HUGE_BODY = "{{ 'A' * 300000000 }}"


def chain_json(depth: int) -> str:
    """An ``all`` chain ``depth`` operators deep, as JSON text: past about 450 levels Python's
    own encoder gives up, so it is written by hand."""
    leaf = '{"eq": ["tenure", "private_rented"]}'
    return '{"all": [' * (depth - 1) + leaf + "]}" * (depth - 1)


@pytest.fixture
def advice(container_factory, service_config):
    config = service_config("advice")
    recorder, received = make_recorder()
    container_factory(recorder, config).start()
    container_factory(AdviceService, config).start()
    # save_statement checks against the question template the enquiry service holds.
    enquiry_config = {**config, "DATABASE_URL": service_config("enquiry")["DATABASE_URL"]}
    container_factory(EnquiryService, enquiry_config).start()
    with SignedRpc(config) as rpc:
        yield rpc, config, received


def statement(key: str, **changes) -> dict:
    return {
        "key": key,
        "title": "A hostile statement",
        "body": "Plain text.",
        "section": "act_now",
        "workflows": ["prevention"],
        "when": True,
        "nations": ["england"],
        "source": "https://www.legislation.gov.uk/ukpga/1996/52/section/179",
        "reviewed_on": TODAY.isoformat(),
        **changes,
    }


def refused(rpc, item: dict) -> tuple[dict, float]:
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as error:
        rpc.advice.save_statement({"statement": item, "actor": "admin:1"})
    return error.value.field_errors, time.monotonic() - started


@contextmanager
def recursion_limit(limit: int):
    """The service runs in this process: both ends of the call get the higher limit."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (LOOP_BODY, "line 1: {% for %} is not allowed"),
        (HUGE_BODY, "line 1: arithmetic ('*') is not allowed"),
        ("Fine.\n\n{{ lipsum(100000) }}", "line 3: calling lipsum() is not allowed"),
    ],
)
def test_a_body_that_would_render_for_ever_is_refused_when_saved(advice, body, message):
    rpc, _, _ = advice
    errors, seconds = refused(rpc, statement("endless", body=body))
    assert errors == {"statement[endless].body": [message]}
    assert seconds < QUICK_SECONDS
    assert rpc.advice.save_statement({"statement": statement("fine"), "actor": "admin:1"})


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (
            {"within_days": ["must_leave_date", 3_000_000]},
            "invalid condition at $.within_days: expects a whole number of days from 0 to 36600",
        ),
        (
            json.loads(chain_json(400)),
            "invalid condition at $" + ".all[0]" * 32 + ": nested more than 32 deep",
        ),
    ],
    ids=["within-3000000-days", "all-400-deep"],
)
def test_a_condition_beyond_the_bounds_is_refused_when_saved(advice, when, message):
    rpc, _, _ = advice
    errors, seconds = refused(rpc, statement("unbounded", when=when))
    assert errors == {"statement[unbounded].when": [message]}
    assert seconds < QUICK_SECONDS


def test_an_all_chain_600_deep_is_refused_when_saved(advice):
    rpc, _, _ = advice
    # Python's JSON codec gives up on 1,200 levels of nesting at the default recursion limit;
    # raised for the call (client and service share this process), the service's check answers.
    with recursion_limit(10_000):
        when = json.loads(chain_json(600))
        errors, seconds = refused(rpc, statement("deep", when=when))
    assert errors == {
        "statement[deep].when": [
            "invalid condition at $" + ".all[0]" * 32 + ": nested more than 32 deep"
        ]
    }
    assert seconds < QUICK_SECONDS


STORED_BAD = {
    "deep-400": {"condition": chain_json(400)},
    "deep-600": {"condition": chain_json(600)},
    "far-future": {"condition": '{"within_days": ["must_leave_date", 3000000]}'},
    "endless-loop": {"body": LOOP_BODY},
    "huge-string": {"body": HUGE_BODY},
}


def store_behind_the_checks(config: dict) -> None:
    """Write the hostile statements straight into the advice database, as a version of the
    service from before the checks could have stored them, and move the bank's version on."""
    for key, fields in STORED_BAD.items():
        execute_sql(
            config,
            "INSERT INTO statements (key, version, title, body, section, priority, workflows,"
            " condition, nations, source, reviewed_on, created_at, created_by)"
            " VALUES (:key, 1, 'Hostile', :body, 'act_now', 1, :workflows, :condition,"
            " :nations, 'test', :today, :created_at, 'test')",
            key=key,
            body=fields.get("body", "Plain text."),
            condition=fields.get("condition", "true"),
            workflows='["prevention"]',
            nations='["england"]',
            today=TODAY,
            created_at=f"{TODAY.isoformat()} 09:00:00",
        )
    execute_sql(config, "UPDATE bank_state SET version = version + 1 WHERE id = 1")


def match(rpc) -> dict:
    return rpc.advice.match({"workflow": "prevention", "answers": TENANT, "report_failed": True})


def test_statements_stored_behind_the_checks_back_are_reported_and_the_rest_goes_out(advice):
    rpc, config, received = advice
    before = {s["key"] for s in match(rpc)["statements"]}
    store_behind_the_checks(config)

    started = time.monotonic()
    result = match(rpc)
    assert time.monotonic() - started < QUICK_SECONDS
    assert {s["key"] for s in result["statements"]} == before
    assert {f["key"] for f in result["failed"]} == set(STORED_BAD)
    assert all(f["version"] == 1 and f["reason"] for f in result["failed"])
    assert "Jo Bloggs" not in json.dumps(result["failed"])
    # Without report_failed the answer keeps its shape: the statements alone.
    assert [s["key"] for s in rpc.advice.match({"workflow": "prevention", "answers": TENANT})] == [
        s["key"] for s in result["statements"]
    ]

    why = rpc.advice.explain_statement(
        {"statement_key": "deep-600", "workflow": "prevention", "answers": TENANT}
    )
    assert why["chosen"] is False and why["failed"]
    assert why["condition"] == {"path": "$", "operator": "failed", "held": False}

    # An enquiry submitted now still gets its advice, without the bad statements.
    enquiry_id = str(uuid.uuid4())
    publish(config, submitted(enquiry_id))
    (matched,) = wait_for(
        lambda: [
            m for m in of_type(received, "advice.matched") if m["data"]["enquiry_id"] == enquiry_id
        ]
    )
    assert {s["key"] for s in matched["data"]["statements"]} == before


def test_the_service_keeps_answering_while_matching_around_bad_statements(advice):
    rpc, config, _ = advice
    store_behind_the_checks(config)
    matches: list[float] = []

    def keep_matching() -> None:
        with SignedRpc(config) as other:
            for _ in range(20):
                started = time.monotonic()
                assert match(other)["failed"]
                matches.append(time.monotonic() - started)

    worker = eventlet.spawn(keep_matching)
    health: list[float] = []
    while not worker.dead:
        started = time.monotonic()
        assert rpc.advice.health()["status"] == "ok"
        health.append(time.monotonic() - started)
    worker.wait()
    assert len(matches) == 20 and max(matches) < QUICK_SECONDS
    assert health and max(health) < QUICK_SECONDS


def submitted(enquiry_id: str) -> Envelope:
    return Envelope(
        type="enquiry.submitted",
        version=2,
        source="enquiry",
        correlation_id=str(uuid.uuid4()),
        data={
            "enquiry_id": enquiry_id,
            "template": {"key": "housing-options-enquiry", "version": 2},
            "workflow": "prevention",
            "workflow_source": "triage",
            "answers": TENANT,
            "submitted_at": f"{TODAY.isoformat()}T10:00:00Z",
            "nation": "england",
            "roles": {"applicant_name": "Jo Bloggs"},
            "suggested_duty": "prevention",
            "notice_check": None,
            "derived": {},
        },
    )
