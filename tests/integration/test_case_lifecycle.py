"""Case lifecycle over real RPC: stages, clocks and their alerts, ownership, notes, search, the
hash-chained audit trail, several replicas, and a non-nameko subscriber."""

import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.cases.service import CasesService
from shared.clock import utcnow
from shared.db import create_engine_for
from shared.errors import Conflict, NotFound, ValidationFailed
from tests.identity import SignedRpc
from tests.integration.helpers import enquiry_submitted, publish, rows
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
OFFICER = "officer:42"


@pytest.fixture
def cases(container_factory, service_config):
    config = service_config("cases")
    container = container_factory(CasesService, config)
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container.start()
    with SignedRpc(config) as rpc:
        yield container, config, received, rpc


def open_case(container, config, received, answers=None):
    event = enquiry_submitted("prevention", answers or {"full_name": "Jo Bloggs"})
    with entrypoint_waiter(container, "open_case_for_enquiry"):
        publish(config, event)
    return wait_for(
        lambda: [
            m
            for m in received
            if m["type"] == "case.opened" and m["data"]["enquiry_id"] == event.data["enquiry_id"]
        ]
    )[0]["data"]


def execute(config, statement, **params):
    engine = create_engine_for(config["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(sa.text(statement), params)
    engine.dispose()


def test_stages_clocks_close_and_reopen(cases):
    container, config, received, rpc = cases
    case = open_case(container, config, received)
    ref = case["reference"]
    assert rpc.cases.get_case(ref, actor=OFFICER)["stage"] == "triage"

    with pytest.raises(Conflict) as error:
        rpc.cases.change_stage({"case": ref, "stage": "review", "actor": OFFICER})
    assert "cannot move to review" in str(error.value)
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.change_stage({"case": ref, "stage": "limbo"})
    # The actor is the token's (test_authorisation.py): only the stage is wrong.
    assert set(error.value.field_errors) == {"stage"}

    moved = rpc.cases.change_stage({"case": ref, "stage": "prevention", "actor": OFFICER})
    assert moved["stage"] == "prevention"
    (clock,) = rpc.cases.get_case(ref, actor=OFFICER)["clocks"]
    start = date.fromisoformat(clock["starts_on"])
    assert clock["kind"] == "prevention_duty" and clock["state"] == "running"
    # 56 days beginning with the first day: its last day is start + 55.
    assert date.fromisoformat(clock["due_on"]) == start + timedelta(days=55)
    assert clock["ending"] == "may_end_by_notice" and clock["citation"].endswith("s.195(8)(b)")
    assert clock["day_after"] == (start + timedelta(days=56)).isoformat()

    rpc.cases.change_stage({"case": ref, "stage": "relief", "actor": OFFICER})
    clocks = rpc.cases.get_case(ref, actor=OFFICER)["clocks"]
    assert [(c["kind"], c["state"]) for c in clocks] == [
        ("prevention_duty", "stopped"),
        ("relief_duty", "running"),
    ]

    with pytest.raises(ValidationFailed) as error:
        rpc.cases.close_case({"case": ref, "outcome": "vanished", "reason": "", "actor": OFFICER})
    assert set(error.value.field_errors) == {"outcome", "reason"}
    closed = rpc.cases.close_case(
        {
            "case": ref,
            "outcome": "homelessness_relieved",
            "reason": "Tenancy secured",
            "actor": OFFICER,
        }
    )
    assert (closed["stage"], closed["status"], closed["outcome"]) == (
        "closed",
        "closed",
        "homelessness_relieved",
    )
    with pytest.raises(Conflict):
        rpc.cases.close_case({"case": ref, "outcome": "other", "reason": "again", "actor": OFFICER})
    reopened = rpc.cases.reopen_case(
        {"case": ref, "reason": "Tenancy fell through", "actor": OFFICER}
    )
    assert (reopened["stage"], reopened["status"], reopened["outcome"]) == ("relief", "open", None)

    published = [m["type"] for m in received if m["type"].startswith("case.")]
    wait_for(lambda: len([m for m in received if m["type"] == "case.reopened"]) == 1)
    published = [m["type"] for m in received if m["type"].startswith("case.")]
    assert published == [
        "case.opened",
        "case.stage_changed",
        "case.stage_changed",
        "case.closed",
        "case.reopened",
    ]


def test_decision_and_review_clocks(cases):
    container, config, received, rpc = cases
    ref = open_case(container, config, received)["reference"]
    today = date.today()
    rpc.cases.change_stage({"case": ref, "stage": "assessment", "actor": OFFICER})
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.change_stage(
            {
                "case": ref,
                "stage": "main_duty_decision",
                "actor": OFFICER,
                "decision_notified_on": (today + timedelta(days=1)).isoformat(),
            }
        )
    assert error.value.field_errors == {
        "decision_notified_on": [f"{today + timedelta(days=1)} is in the future"]
    }
    rpc.cases.change_stage(
        {
            "case": ref,
            "stage": "main_duty_decision",
            "actor": OFFICER,
            "decision_notified_on": today.isoformat(),
        }
    )
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.change_stage({"case": ref, "stage": "review", "actor": OFFICER})
    assert list(error.value.field_errors) == ["review_type"]
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.change_stage(
            {
                "case": ref,
                "stage": "review",
                "actor": OFFICER,
                "review_type": "standard",
                "agreed_days": 70,
            }
        )
    assert list(error.value.field_errors) == ["agreed_reason"]
    rpc.cases.change_stage(
        {
            "case": ref,
            "stage": "review",
            "actor": OFFICER,
            "review_type": "referral_conditions_joint",
        }
    )
    clocks = {c["kind"]: c for c in rpc.cases.get_case(ref, actor=OFFICER)["clocks"]}
    window = clocks["review_request_window"]
    assert window["due_on"] == (today + timedelta(days=20)).isoformat()
    assert window["ending"] == "deadline" and window["state"] == "stopped"
    review = clocks["review_decision_referral_conditions_joint"]
    assert (
        date.fromisoformat(review["due_on"]) - date.fromisoformat(review["starts_on"])
    ).days == 69


def test_a_duty_begins_with_the_day_the_council_was_first_satisfied(cases):
    container, config, received, rpc = cases
    opened = open_case(container, config, received)
    ref = opened["reference"]
    today = date.today()
    # The enquiry came in ten days ago; the officer records the stage today.
    execute(config, "UPDATE cases SET opened_at = :t", t=utcnow() - timedelta(days=10))
    attempts = {
        "duty_start_reason": {"duty_start_on": (today - timedelta(days=3)).isoformat()},
        "duty_start_on": {"duty_start_on": (today + timedelta(days=1)).isoformat()},
    }
    for field, extra in attempts.items():
        with pytest.raises(ValidationFailed) as error:
            rpc.cases.change_stage({"case": ref, "stage": "prevention", "actor": OFFICER, **extra})
        assert list(error.value.field_errors) == [field]
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.change_stage(
            {
                "case": ref,
                "stage": "prevention",
                "actor": OFFICER,
                "duty_start_on": (today - timedelta(days=11)).isoformat(),
                "duty_start_reason": "Before the enquiry",
            }
        )
    assert "is before the enquiry" in error.value.field_errors["duty_start_on"][0]
    assert rpc.cases.get_case(ref, actor=OFFICER)["stage"] == "triage", "nothing half-written"

    begins = today - timedelta(days=3)
    rpc.cases.change_stage(
        {
            "case": ref,
            "stage": "prevention",
            "actor": OFFICER,
            "duty_start_on": begins.isoformat(),
            "duty_start_reason": "Satisfied at the first interview; recorded late",
        }
    )
    (clock,) = rpc.cases.get_case(ref, actor=OFFICER)["clocks"]
    assert clock["starts_on"] == begins.isoformat()
    assert clock["due_on"] == (begins + timedelta(days=55)).isoformat()
    assert clock["backdated"] is True
    changed = wait_for(lambda: of_type(received, "case.stage_changed"))
    assert changed[0]["data"]["clocks"][0]["backdated"] is True
    assert "first interview" not in json.dumps(changed[0]), "an officer's words stay private"
    timeline = rpc.cases.get_timeline(opened["case_id"])
    entry = next(e for e in timeline if e["action"] == "case.stage_changed")
    assert entry["after"]["prevention_duty"]["start_reason"].startswith("Satisfied")
    # A page of it, newest first: the same entries as the whole, reversed, and the total.
    newest = rpc.cases.get_timeline(opened["case_id"], 1, 2)
    assert (newest["page"], newest["page_size"]) == (1, 2)
    assert newest["total"] == len(timeline) + 1  # the read above is on it now
    assert newest["items"][0]["action"] == "case.timeline_viewed"  # the whole read, audited
    assert newest["items"][1] == timeline[-1]
    with pytest.raises(ValidationFailed) as refused:
        rpc.cases.get_timeline(opened["case_id"], 1, 501)
    assert list(refused.value.field_errors) == ["page_size"]


def test_relief_ends_by_itself_only_with_the_findings_recorded(cases):
    container, config, received, rpc = cases
    ref = open_case(container, config, received)["reference"]
    rpc.cases.change_stage(
        {
            "case": ref,
            "stage": "relief",
            "actor": OFFICER,
            "priority_need": True,
            "intentionally_homeless": False,
        }
    )
    (clock,) = rpc.cases.get_case(ref, actor=OFFICER)["clocks"]
    assert clock["ending"] == "ends_automatically"
    assert clock["citation"].endswith("s.189B(4)")


def test_clock_alerts_are_raised_once_each_even_after_downtime(cases):
    container, config, received, rpc = cases
    ref = open_case(container, config, received)["reference"]
    rpc.cases.change_stage({"case": ref, "stage": "relief", "actor": OFFICER})
    # As if the service had been down for two months: both alerts are overdue.
    execute(
        config,
        "UPDATE case_clocks SET warn_on = :w, due_on = :d",
        w=date.today() - timedelta(days=20),
        d=date.today() - timedelta(days=13),
    )
    for _ in range(3):
        with entrypoint_hook(container, "raise_clock_alerts") as scan:
            scan()
    warnings = of_type(received, "case.clock_warning")
    ended = wait_for(lambda: of_type(received, "case.clock_period_ended"))
    assert len(warnings) == 1 and len(ended) == 1
    assert ended[0]["data"]["clock"]["kind"] == "relief_duty"
    assert ended[0]["data"]["clock"]["days_left"] == -13
    # No findings recorded: relief goes on until the council ends it by notice.
    assert ended[0]["data"]["clock"]["state"] == "may_end_by_notice"
    clock = rpc.cases.get_case(ref, actor=OFFICER)["clocks"][0]
    assert clock["state"] == "may_end_by_notice"
    for message in [*warnings, *ended, *of_type(received, "case.stage_changed")]:
        schema = json.loads(
            (
                ROOT / "docs" / "schemas" / f"{message['type']}.v{message['version']}.json"
            ).read_text()
        )
        jsonschema.validate(message, schema)
    due = rpc.cases.list_cases({"clock_due_by": date.today().isoformat()})
    assert [c["reference"] for c in due["items"]] == [ref]


def test_ownership_notes_and_search(cases):
    container, config, received, rpc = cases
    first = open_case(container, config, received, {"full_name": "Siobhán Kowalski"})
    second = open_case(container, config, received, {"full_name": "Ade Okafor"})
    rpc.cases.assign_case(
        {"case": first["reference"], "owner": "team:prevention", "actor": OFFICER}
    )
    with pytest.raises(Conflict):
        rpc.cases.assign_case(
            {"case": first["reference"], "owner": "team:prevention", "actor": OFFICER}
        )
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.assign_case({"case": first["reference"], "owner": "bob", "actor": OFFICER})
    assert list(error.value.field_errors) == ["owner"]
    note = rpc.cases.add_note(
        {"case": first["reference"], "text": "Called landlord.", "actor": OFFICER}
    )
    assert note["author"] == OFFICER
    view = rpc.cases.get_case(first["reference"], actor=OFFICER)
    assert view["owner"] == "team:prevention" and view["notes"][0]["text"] == "Called landlord."
    # With a request_id, a note sent again (a retry after a lost reply) is not added twice.
    keyed = {"case": first["reference"], "text": "Left a voicemail.", "actor": OFFICER}
    once = rpc.cases.add_note({**keyed, "request_id": "note-req-0001"})
    assert rpc.cases.add_note({**keyed, "request_id": "note-req-0001"}) == once
    with pytest.raises(Conflict):
        rpc.cases.add_note({**keyed, "text": "Other", "request_id": "note-req-0001"})
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.add_note({**keyed, "request_id": "short"})
    assert list(error.value.field_errors) == ["request_id"]
    assert len(rpc.cases.get_case(first["reference"], actor=OFFICER)["notes"]) == 2

    assert rpc.cases.list_cases({"owner": "team:prevention"})["total"] == 1
    assert rpc.cases.list_cases({"name": "kowal"})["items"][0]["reference"] == first["reference"]
    assert rpc.cases.list_cases({"name": "100%_"})["total"] == 0
    page = rpc.cases.list_cases({"page": 2, "page_size": 1})
    assert (page["total"], len(page["items"]), page["items"][0]["reference"]) == (
        2,
        1,
        first["reference"],
    )
    assert rpc.cases.list_cases({"reference": second["reference"]})["total"] == 1
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.list_cases({"page": 0, "page_size": 1000, "stage": "x", "colour": "red"})
    assert set(error.value.field_errors) == {"page", "page_size", "stage", "colour"}
    with pytest.raises(NotFound):
        rpc.cases.assign_case({"case": "HO-1999-000001", "owner": "team:x", "actor": OFFICER})
    assigned = wait_for(lambda: of_type(received, "case.assigned"))[0]["data"]
    assert (assigned["owner"], assigned["previous_owner"]) == ("team:prevention", None)
    # The audit records that a note was written and who read the case, not the note itself.
    timeline = rpc.cases.get_timeline(first["case_id"])
    actions = [e["action"] for e in timeline]
    assert {"case.assigned", "case.note_added", "case.viewed"} <= set(actions)
    assert "Called landlord" not in json.dumps(timeline)


def test_hash_chain_catches_edits_and_deletions(cases):
    container, config, received, rpc = cases
    case = open_case(container, config, received)
    ref = case["reference"]
    for stage in ("assessment", "prevention"):
        rpc.cases.change_stage({"case": ref, "stage": stage, "actor": OFFICER})
    verdict = rpc.cases.verify_timeline(ref)
    assert verdict["valid"] is True and verdict["entries"] >= 3

    execute(config, "UPDATE audit_entries SET actor = 'officer:99' WHERE sequence = 2")
    verdict = rpc.cases.verify_timeline(ref)
    assert (verdict["valid"], verdict["first_invalid_sequence"]) == (False, 2)
    assert "changed" in verdict["problem"]
    execute(config, "UPDATE audit_entries SET actor = :a WHERE sequence = 2", a=OFFICER)
    assert rpc.cases.verify_timeline(ref)["valid"] is True

    execute(config, "DELETE FROM audit_entries WHERE sequence = 2")
    assert rpc.cases.verify_timeline(ref)["first_invalid_sequence"] == 2
    last = rows(config["DATABASE_URL"], "SELECT max(sequence) FROM audit_entries")[0][0]
    execute(config, "DELETE FROM audit_entries WHERE sequence >= 2")
    verdict = rpc.cases.verify_timeline(ref)
    assert verdict["valid"] is False and "removed" in verdict["problem"] and last > 2


def test_references_stay_unique_with_two_replicas(container_factory, service_config):
    config = service_config("cases")
    for _ in range(2):
        container_factory(CasesService, config).start()
    for _ in range(20):
        publish(config, enquiry_submitted())
    wait_for(lambda: rows(config["DATABASE_URL"], "SELECT count(*) FROM cases") == [(20,)])
    numbers = sorted(
        int(r[0][-6:]) for r in rows(config["DATABASE_URL"], "SELECT reference FROM cases")
    )
    assert numbers == list(range(1, 21))


def test_a_plain_kombu_subscriber_receives_case_events(cases, rabbit_config):
    container, config, received, rpc = cases
    subscriber = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "examples/case_events_subscriber.py"),
            "--amqp-uri",
            rabbit_config["AMQP_URI"],
            "--limit",
            "3",
            "--idle-timeout",
            "30",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while '"ready"' not in subscriber.stderr.readline():
            assert time.monotonic() < deadline, "subscriber did not start"
        case = open_case(container, config, received)
        rpc.cases.assign_case({"case": case["reference"], "owner": "team:x", "actor": OFFICER})
        rpc.cases.change_stage({"case": case["reference"], "stage": "relief", "actor": OFFICER})
        output, _ = subscriber.communicate(timeout=30)
    finally:
        subscriber.kill()
    events = [json.loads(line) for line in output.splitlines()]
    assert [e["type"] for e in events] == ["case.opened", "case.assigned", "case.stage_changed"]
    assert {e["data"]["reference"] for e in events} == {case["reference"]}
    assert "Jo Bloggs" not in output  # case events carry no personal data
