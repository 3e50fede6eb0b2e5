"""Duty endings, decisions with review rights, the s.193B sign-off, findings and a corrected
duty start, over real RPC against the cases service's own database."""

import dataclasses
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.cases.service import CasesService
from shared.clock import london_today
from shared.errors import Conflict, ValidationFailed
from tests.identity import SignedRpc
from tests.integration.helpers import enquiry_submitted, execute_sql, publish
from tests.recorder import make_recorder, wait_for

pytestmark = pytest.mark.integration
SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
OFFICER, SENIOR, MANAGER = "officer:amy", "officer:bea", "officer:cal"


@pytest.fixture
def cases(container_factory, service_config):
    config = service_config("cases")
    container = container_factory(CasesService, config)
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container.start()
    with SignedRpc(config) as rpc:
        yield container, config, received, rpc


def open_case(container, config, received, opened_days_ago=0):
    event = enquiry_submitted("prevention", {"full_name": "Jo Bloggs"})
    with entrypoint_waiter(container, "open_case_for_enquiry"):
        publish(config, event)
    case = wait_for(
        lambda: [
            m["data"]
            for m in received
            if m["type"] == "case.opened" and m["data"]["enquiry_id"] == event.data["enquiry_id"]
        ]
    )[0]
    if opened_days_ago:
        execute_sql(
            config,
            "UPDATE cases SET opened_at = :opened WHERE id = :id",
            opened=f"{london_today() - timedelta(days=opened_days_ago)}T09:00:00+00:00",
            id=case["case_id"],
        )
    return case["reference"]


def events_of(received, event_type, reference):
    return [
        m["data"]
        for m in received
        if m["type"] == event_type and m["data"]["reference"] == reference
    ]


def assert_documented(received):
    """Every case event published matches its documented schema (docs/schemas)."""
    for message in received:
        if message["type"].startswith("case."):
            name = f"{message['type']}.v{message['version']}.json"
            schema = json.loads((SCHEMAS / name).read_text())
            jsonschema.validate(message, schema, format_checker=jsonschema.FormatChecker())


def start_duty(rpc, ref, stage, days_ago=0, **extra):
    request = {"case": ref, "stage": stage, "actor": OFFICER, **extra}
    if days_ago:
        request["duty_start_on"] = (london_today() - timedelta(days=days_ago)).isoformat()
        request["duty_start_reason"] = "satisfied at the first interview"
    return rpc.cases.change_stage(request)


def test_ending_prevention_on_becoming_homeless_opens_a_review_window_that_outlives_the_stage(
    cases,
):
    container, config, received, rpc = cases
    ref = open_case(container, config, received)
    start_duty(rpc, ref, "prevention")
    today = london_today()
    decision = rpc.cases.end_duty(
        {
            "case": ref,
            "ground": "became_homeless",
            "notified_on": today.isoformat(),
            "reason": "Evicted by bailiffs this morning",
            "actor": OFFICER,
        }
    )
    assert (decision["kind"], decision["duty"], decision["ground"]) == (
        "duty_ended",
        "prevention",
        "became_homeless",
    )
    assert decision["review_category"] == "prevention_end_notice"
    view = rpc.cases.get_case(ref, actor=OFFICER)
    duty, window = view["clocks"]
    assert (duty["kind"], duty["state"]) == ("prevention_duty", "stopped")
    assert window["kind"] == "review_request_window" and window["decision_id"] == decision["id"]
    # 21 days beginning with the day of notification (s.202(3)).
    assert window["due_on"] == (today + timedelta(days=20)).isoformat()
    assert view["decisions"][0]["id"] == decision["id"]
    assert "reason" not in view["decisions"][0]

    with pytest.raises(Conflict, match="already ended"):
        rpc.cases.end_duty(
            {
                "case": ref,
                "ground": "no_longer_eligible",
                "notified_on": today.isoformat(),
                "reason": "again",
                "actor": OFFICER,
            }
        )
    # Relief follows; the window is the decision's and keeps running.
    start_duty(rpc, ref, "relief")
    states = {c["kind"]: c["state"] for c in rpc.cases.get_case(ref, actor=OFFICER)["clocks"]}
    assert states == {
        "prevention_duty": "stopped",
        "review_request_window": "running",
        "relief_duty": "running",
    }
    (ended,) = wait_for(lambda: events_of(received, "case.duty_ended", ref))
    assert ended["ground"] == "became_homeless" and ended["automatic"] is False
    assert ended["review_window"]["due_on"] == window["due_on"]
    assert "reason" not in ended and "Evicted" not in str(ended)
    assert_documented(received)


def test_the_56_day_ground_waits_for_the_day_after_the_last_day(cases):
    container, config, received, rpc = cases
    ref = open_case(container, config, received, opened_days_ago=60)
    start_duty(rpc, ref, "prevention", days_ago=55)  # today is the period's last day
    today = london_today().isoformat()
    request = {
        "case": ref,
        "ground": "period_56_days_ended",
        "notified_on": today,
        "reason": "Steps taken; 56 days over",
        "actor": OFFICER,
    }
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.end_duty(request)
    assert list(error.value.field_errors) == ["ground"]
    rpc.cases.correct_clock_start(
        {
            "case": ref,
            "clock": "prevention_duty",
            "starts_on": (london_today() - timedelta(days=56)).isoformat(),
            "reason": "First satisfied a day earlier, on the phone",
            "actor": OFFICER,
        }
    )
    assert rpc.cases.end_duty(request)["review_category"] == "prevention_end_notice"


def test_bad_endings_are_refused_naming_the_field(cases):
    container, config, received, rpc = cases
    ref = open_case(container, config, received)
    with pytest.raises(Conflict, match="no prevention or relief duty"):
        rpc.cases.end_duty(
            {
                "case": ref,
                "ground": "became_homeless",
                "notified_on": london_today().isoformat(),
                "reason": "x" * 5,
                "actor": OFFICER,
            }
        )
    start_duty(rpc, ref, "relief")
    tomorrow = (london_today() + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.end_duty(
            {
                "case": ref,
                "ground": "became_homeless",  # a prevention ground only
                "notified_on": tomorrow,
                "reason": "x" * 5,
                "actor": OFFICER,
            }
        )
    assert set(error.value.field_errors) == {"ground", "notified_on"}
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.end_duty({"case": ref, "ground": "", "actor": OFFICER})
    assert {"notified_on", "reason"} <= set(error.value.field_errors)
    # Nothing was half-written.
    assert rpc.cases.get_case(ref, actor=OFFICER)["decisions"] == []


def test_plan_steps_decision_opens_a_window_with_a_three_week_review(cases):
    container, config, received, rpc = cases
    ref = open_case(container, config, received)
    start_duty(rpc, ref, "relief")
    today = london_today().isoformat()
    decision = rpc.cases.record_plan_decision({"case": ref, "notified_on": today, "actor": OFFICER})
    assert decision["review_category"] == "relief_steps"
    (notified,) = wait_for(lambda: events_of(received, "case.decision_notified", ref))
    assert notified["kind"] == "plan_steps" and notified["review_window"]["starts_on"] == today
    assert_documented(received)


def test_non_cooperation_notice_needs_a_second_senior_uninvolved_officer(cases):
    container, config, received, rpc = cases
    ref = open_case(container, config, received, opened_days_ago=30)
    start_duty(rpc, ref, "prevention", days_ago=20)
    rpc.cases.add_note({"case": ref, "text": "Missed two appointments", "actor": MANAGER})
    warned = (london_today() - timedelta(days=10)).isoformat()

    too_soon = (london_today() - timedelta(days=2)).isoformat()
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.propose_non_cooperation_notice(
            {
                "case": ref,
                "grade": "senior_officer",
                "warning_given_on": too_soon,
                "reason": "Refused every step",
                "actor": OFFICER,
            }
        )
    assert list(error.value.field_errors) == ["warning_given_on"]
    notice = rpc.cases.propose_non_cooperation_notice(
        {
            "case": ref,
            "grade": "senior_officer",
            "warning_given_on": warned,
            "reason": "Refused every step",
            "actor": OFFICER,
        }
    )
    assert notice["status"] == "proposed"
    ending = {
        "case": ref,
        "ground": "non_cooperation_notice",
        "notice": notice["id"],
        "notified_on": london_today().isoformat(),
        "reason": "Deliberate and unreasonable refusal",
        "actor": OFFICER,
    }
    with pytest.raises(ValidationFailed, match="authorise"):
        rpc.cases.end_duty(ending)

    def authorise(actor, grade):
        return rpc.cases.authorise_non_cooperation_notice(
            {"case": ref, "notice": notice["id"], "grade": grade, "actor": actor}
        )

    with pytest.raises(ValidationFailed) as error:
        authorise(OFFICER, "head_of_service")
    assert "proposed" in error.value.field_errors["actor"][0]
    with pytest.raises(ValidationFailed) as error:
        authorise(SENIOR, "officer")
    assert list(error.value.field_errors) == ["authoriser_grade"]
    # The manager wrote a note on the case: involved, whatever their grade.
    wait_for(lambda: _audited(rpc, ref, MANAGER))
    with pytest.raises(ValidationFailed) as error:
        authorise(MANAGER, "service_manager")
    assert "involved" in error.value.field_errors["actor"][0]
    rpc.cases.get_case(ref, actor=SENIOR)  # reading the case does not make anyone involved
    authorised = authorise(SENIOR, "team_leader")
    assert (authorised["status"], authorised["authorised_by"]) == ("authorised", SENIOR)
    with pytest.raises(Conflict):
        authorise("officer:dan", "team_leader")

    issued = rpc.cases.end_duty(ending)
    assert (issued["status"], issued["review_category"]) == ("issued", "non_cooperation_prevention")


def _audited(rpc, ref, actor):
    return any(entry["actor"] == actor for entry in rpc.cases.get_timeline(ref))


def test_findings_decide_how_relief_ends_and_it_ends_by_itself(cases):
    container, config, received, rpc = cases
    ref = open_case(container, config, received, opened_days_ago=70)
    start_duty(rpc, ref, "relief", days_ago=50)
    (clock,) = rpc.cases.get_case(ref, actor=OFFICER)["clocks"]
    assert clock["ending"] == "may_end_by_notice"
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.record_findings({"case": ref, "reason": "none given", "actor": OFFICER})
    assert list(error.value.field_errors) == ["priority_need"]
    summary = rpc.cases.record_findings(
        {
            "case": ref,
            "priority_need": True,
            "intentionally_homeless": False,
            "reason": "Dependent children",
            "actor": OFFICER,
        }
    )
    assert summary["priority_need"] is True
    (clock,) = rpc.cases.get_case(ref, actor=OFFICER)["clocks"]
    assert clock["ending"] == "ends_automatically" and clock["citation"].endswith("s.189B(4)")

    # Move the first day back so that the last day has passed: the scan ends the duty.
    rpc.cases.correct_clock_start(
        {
            "case": ref,
            "clock": "relief_duty",
            "starts_on": (london_today() - timedelta(days=60)).isoformat(),
            "reason": "Satisfied at the earlier approach",
            "actor": OFFICER,
        }
    )
    with entrypoint_hook(container, "raise_clock_alerts") as scan:
        scan()
    (ended,) = wait_for(lambda: events_of(received, "case.duty_ended", ref))
    assert ended["automatic"] is True and ended["ground"] == "period_ended_automatically"
    assert ended["review_window"] is None
    (clock,) = rpc.cases.get_case(ref, actor=OFFICER)["clocks"]
    assert clock["state"] == "stopped"
    assert clock["stopped_on"] == date.fromisoformat(clock["day_after"]).isoformat()
    wait_for(lambda: events_of(received, "case.clock_corrected", ref))
    wait_for(lambda: events_of(received, "case.findings_recorded", ref))
    assert_documented(received)


def test_correcting_a_duty_start_refuses_the_future_and_before_the_enquiry(cases):
    container, config, received, rpc = cases
    ref = open_case(container, config, received)
    start_duty(rpc, ref, "prevention")
    for starts_on in (london_today() + timedelta(days=1), london_today() - timedelta(days=3)):
        with pytest.raises(ValidationFailed) as error:
            rpc.cases.correct_clock_start(
                {
                    "case": ref,
                    "clock": "prevention_duty",
                    "starts_on": starts_on.isoformat(),
                    "reason": "typo",
                    "actor": OFFICER,
                }
            )
        assert list(error.value.field_errors) == ["starts_on"]
    with pytest.raises(Conflict, match="already begins"):
        rpc.cases.correct_clock_start(
            {
                "case": ref,
                "clock": "prevention_duty",
                "starts_on": london_today().isoformat(),
                "reason": "no change",
                "actor": OFFICER,
            }
        )
    with pytest.raises(Conflict):
        rpc.cases.correct_clock_start(
            {
                "case": ref,
                "clock": "relief_duty",
                "starts_on": london_today().isoformat(),
                "reason": "no relief yet",
                "actor": OFFICER,
            }
        )


def open_case_with_notice(container, config, received, check, nation="england"):
    event = dataclasses.replace(
        enquiry_submitted("private_rented_eviction", {"full_name": "Jo Bloggs"}), version=2
    )
    event.data.update(
        nation=nation,
        roles={"applicant_name": "Jo Bloggs"},
        suggested_duty="prevention",
        notice_check=check,
        derived={},
    )
    with entrypoint_waiter(container, "open_case_for_enquiry"):
        publish(config, event)
    return wait_for(
        lambda: [
            m["data"]["reference"]
            for m in received
            if m["type"] == "case.opened" and m["data"]["enquiry_id"] == event.data["enquiry_id"]
        ]
    )[0]


def test_open_cases_affected_by_a_change_of_law(cases):
    container, config, received, rpc = cases
    old_notice = open_case_with_notice(
        container,
        config,
        received,
        {"pack_key": "england-2021-10-01", "notice_type": "section_21", "verdict": "can_be_valid"},
    )
    new_notice = open_case_with_notice(
        container,
        config,
        received,
        {"pack_key": "england-2026-05-01", "notice_type": "section_8", "verdict": "can_be_valid"},
    )
    view = rpc.cases.get_case(old_notice, actor=OFFICER)
    assert (view["nation"], view["suggested_duty"]) == ("england", "prevention")
    assert view["notice_check"]["notice_type"] == "section_21"

    found = rpc.cases.cases_affected_by_law_change("england", "2026-05-01")
    assert (found["replaces"], found["pack"]) == ("england-2021-10-01", "england-2026-05-01")
    assert [c["reference"] for c in found["cases"]] == [old_notice]
    assert new_notice not in str(found) and "Jo Bloggs" not in str(found)
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.cases_affected_by_law_change("mercia", "2026-05-01")
    assert list(error.value.field_errors) == ["nation"]
    with pytest.raises(ValidationFailed) as error:
        rpc.cases.cases_affected_by_law_change("england", "2026-05-02")
    assert list(error.value.field_errors) == ["on"]

    command = [sys.executable, "-m", "shared.manage", "law-change", "--nation", "england"]
    env = {**os.environ, "CASES_DATABASE_URL": config["DATABASE_URL"]}
    listed = subprocess.run(
        [*command, "--on", "2026-05-01"], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(listed.stdout)["cases"][0]["reference"] == old_notice
    refused = subprocess.run([*command, "--on", "someday"], env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "--on" in refused.stderr


def test_a_welsh_case_gets_no_english_clocks_and_no_english_endings(cases):
    container, config, received, rpc = cases
    ref = open_case_with_notice(container, config, received, None, nation="wales")
    start_duty(rpc, ref, "prevention")
    view = rpc.cases.get_case(ref, actor=OFFICER)
    assert (view["nation"], view["stage"], view["clocks"]) == ("wales", "prevention", [])
    with pytest.raises(Conflict, match="no wales duty rules"):
        rpc.cases.end_duty(
            {
                "case": ref,
                "ground": "became_homeless",
                "notified_on": london_today().isoformat(),
                "reason": "Evicted",
                "actor": OFFICER,
            }
        )
