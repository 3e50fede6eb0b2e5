"""End to end, with the law as it stands in England after the Renters' Rights Act 2025: a section
8 notice, a family exclusion and a prison release referred under the duty to refer each reach
the duty triage suggests, with clocks counted as the Act counts them, duty tasks anchored to the
day the duty began, and advice whose nation and dates apply."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scripts.demo import TEMPLATE_KEY, wait_for_case
from shared.clock import london_today
from tests.recorder import of_type, wait_for
from tests.scenarios import SCENARIOS

pytestmark = pytest.mark.e2e
OFFICER = "officer:e2e"
# A statement each scenario's pack must carry: the advice that is specific to its situation.
EXPECTED_STATEMENT = {
    "section_8": "s8-rent-arrears",
    "family_exclusion": "ff-asked-to-leave",
    "prison_release": "leaving-prison",
}


def test_lawful_scenarios_reach_their_duty_with_clocks_tasks_and_advice(suite, recorded):
    rpc = suite
    today = london_today()
    cases = {}
    for name, (answers_of, workflow, duty) in SCENARIOS.items():
        enquiry = rpc.enquiry.submit_enquiry(
            {"template_key": TEMPLATE_KEY, "answers": answers_of(today)}
        )
        assert (enquiry["workflow"], enquiry["suggested_duty"]) == (workflow, duty), name
        case = wait_for_case(rpc, enquiry)
        assert (case["nation"], case["suggested_duty"]) == ("england", duty)
        keys = [s["key"] for s in case["advice"]["statements"]]
        assert EXPECTED_STATEMENT[name] in keys, (name, keys)
        assert not any(key.startswith("s21-") for key in keys), (name, keys)
        # The officer is satisfied today: the duty the triage suggested begins.
        rpc.cases.change_stage({"case": case["reference"], "stage": duty, "actor": OFFICER})
        cases[name] = rpc.cases.get_case(case["reference"], actor=OFFICER)

    for case in cases.values():
        (clock,) = case["clocks"]
        assert clock["kind"] == "prevention_duty"
        # 56 days beginning with today: the last day is today + 55; the duty then goes on until
        # the council ends it by notice (s.195(8)(b)).
        assert clock["starts_on"] == today.isoformat()
        assert clock["due_on"] == (today + timedelta(days=55)).isoformat()
        assert (clock["ending"], clock["state"]) == ("may_end_by_notice", "running")

    notice = cases["section_8"]["notice_check"]
    assert (notice["pack_key"], notice["notice_type"], notice["verdict"]) == (
        "england-2026-05-01",
        "section_8",
        "can_be_valid",
    )
    assert notice["threatened_on_check_day"] is True
    assert cases["family_exclusion"]["notice_check"] is None
    prison = cases["prison_release"]
    assert (prison["referred_by"], prison["referral_consent"]) == ("prison", True)
    assert cases["section_8"]["referred_by"] is None

    # Each duty's plan of work starts anchored to the day the duty began: the written plan
    # (s.189A) for every pathway, and the decision whether to end the duty by notice on the day
    # after the 56 days (s.195(8)(b)).
    for case in cases.values():

        def duty_tasks(case=case):
            tasks = {
                m["data"]["task"]["key"].rsplit(".", 1)[-1]: m["data"]["task"]
                for m in of_type(recorded, "task.created")
                if m["data"]["task"]["case_id"] == case["id"]
                and m["data"]["task"].get("duty") == "prevention"
            }
            return tasks if {"issue_php", "decide_prevention_end"} <= set(tasks) else None

        tasks = wait_for(duty_tasks)
        decide = tasks["decide_prevention_end"]["activate_at"]
        assert decide.startswith((today + timedelta(days=56)).isoformat()), decide

    # No scenario got a statement whose nation or dates do not apply on the day it was matched.
    matched = [m["data"] for m in of_type(recorded, "advice.matched")]
    assert len(matched) == len(SCENARIOS)
    for match in matched:
        on = date.fromisoformat(match["matched_on"])
        for statement in match["statements"]:
            assert match["nation"] in statement["nations"], statement["key"]
            starts, ends = statement["effective_from"], statement["effective_to"]
            assert starts is None or date.fromisoformat(starts) <= on, statement["key"]
            assert ends is None or on <= date.fromisoformat(ends), statement["key"]
            assert statement["source"], statement["key"]
