"""Task frameworks v2: the shipped frameworks cover every pathway with dated, nation-bound editions
whose duty part issues the plan and decides at the end of the 56 days; the loader refuses what a
council could get wrong, naming the field; duty tasks are anchored to the duty's own dates."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from services.tasks.calendar import WorkingCalendar
from services.tasks.domain import (
    DutyClock,
    Lag,
    TaskTemplate,
    add_lag,
    deadlines,
    duty_anchor,
    keyed_for_duty,
)
from services.tasks.frameworks import FrameworkEdition, edition_in_force, parse_document
from shared.errors import ValidationFailed
from shared.periods import Period
from tests.pathways import PATHWAYS

SEED = Path(__file__).resolve().parents[2] / "services/tasks/seed/task_frameworks.yaml"
DOCUMENT = yaml.safe_load(SEED.read_text(encoding="utf-8"))
EDITIONS = {edition.workflow: edition for edition in parse_document(DOCUMENT)}
ENGLAND = WorkingCalendar("england_wales")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def keys(tasks):
    return {task["key"] for task in tasks}


# --- the shipped frameworks -------------------------------------------------------------------


def test_every_contract_workflow_has_one_england_edition_from_the_2017_act():
    assert set(EDITIONS) == PATHWAYS
    for edition in EDITIONS.values():
        # Part 7 as amended by the Homelessness Reduction Act 2017: applications from 3 April 2018.
        assert edition.nations == ("england",), edition.workflow
        assert edition.effective_from == date(2018, 4, 3)
        assert edition.effective_to is None


@pytest.mark.parametrize("workflow", sorted(PATHWAYS))
def test_every_pathway_issues_and_reviews_the_plan_under_both_duties(workflow):
    on_duty = EDITIONS[workflow].on_duty
    assert set(on_duty) == {"prevention", "relief"}
    for duty, tasks in on_duty.items():
        by_key = {task["key"]: task for task in tasks}
        assert {"assessment", "issue_php", "review_php"} <= set(by_key), (workflow, duty)
        assert by_key["issue_php"]["mandatory"] and "s.189A" in by_key["issue_php"]["name"]
        assert by_key["issue_php"]["depends_on"] == [{"task": "assessment"}]
        assert [d["task"] for d in by_key["review_php"]["depends_on"]] == ["issue_php"]
        # The assessment starts with the duty itself.
        assert not by_key["assessment"].get("depends_on")
        assert by_key["assessment"].get("anchor", "duty_start") == "duty_start"


def test_the_decision_at_the_end_of_the_56_days_starts_on_the_day_after():
    prevention = {t["key"]: t for t in EDITIONS["prevention"].on_duty["prevention"]}
    relief = {t["key"]: t for t in EDITIONS["prevention"].on_duty["relief"]}
    assert prevention["decide_prevention_end"]["anchor"] == "day_after"
    assert "s.195(8)" in prevention["decide_prevention_end"]["name"]
    assert relief["decide_main_duty"]["anchor"] == "day_after"
    assert "s.184" in relief["decide_main_duty"]["name"]
    assert "s.193" in relief["decide_main_duty"]["name"]
    # Relief ending by itself (s.189B(4)) is when the main duty decision is needed.
    assert relief["decide_main_duty"]["outlives_duty"] is True
    assert "outlives_duty" not in prevention["decide_prevention_end"]
    # The findings that decide how relief ends are due before the last day.
    assert relief["record_findings"]["anchor_lag"] == {"amount": 42, "unit": "days"}


@pytest.mark.parametrize(
    ("workflow", "task_key", "words"),
    [
        ("prison_release", "record_referral", "s.213B"),
        ("hospital_discharge", "record_referral", "s.213B"),
        ("young_person_16_17", "joint_assessment", "children's services"),
        ("domestic_abuse", "risk_assessment", "MARAC"),
        ("asylum_move_on", "move_on_date", "asylum support ends"),
        ("no_recourse_public_funds", "social_services_referral", "s.17"),
        ("no_recourse_public_funds", "social_services_referral", "Care Act"),
        ("armed_forces", "service_leaving_date", "s.213B"),
        ("care_leaver", "personal_adviser", "personal adviser"),
        ("relief", "emergency_accommodation_check", "s.188"),
    ],
)
def test_pathway_tasks_start_when_the_case_opens(workflow, task_key, words):
    opening = {task["key"]: task for task in EDITIONS[workflow].tasks}
    assert words in opening[task_key]["name"]
    assert "anchor" not in opening[task_key]
    for duty_tasks in EDITIONS[workflow].on_duty.values():
        assert task_key not in keys(duty_tasks)


def test_every_homelessness_pathway_makes_inquiries_and_advice_only_checks_back_once():
    for workflow, edition in EDITIONS.items():
        assert any(not task.get("depends_on") for task in edition.tasks), workflow
        if workflow != "advice_only":
            assert "decide_duty" in keys(edition.tasks), workflow
    advice_only = EDITIONS["advice_only"].tasks
    assert [task["key"] for task in advice_only] == ["check_back"]


def test_the_e2e_pathway_keeps_its_documents_step_and_a_waiting_task():
    tasks = {task["key"]: task for task in EDITIONS["private_rented_eviction"].tasks}
    assert tasks["provide_documents"]["customer_facing"]
    assert tasks["provide_documents"]["name"].startswith("Send us your tenancy agreement")
    assert tasks["contact_landlord"]["depends_on"] == [{"task": "check_notice"}]


# --- the loader's checks ----------------------------------------------------------------------


def edition(**overrides):
    raw = {
        "nations": ["england"],
        "effective_from": "2026-05-01",
        "tasks": [{"key": "call", "name": "Call"}],
        "on_duty": {"relief": [{"key": "plan", "name": "Plan", "anchor": "day_after"}]},
    }
    return {**raw, **overrides}


def problems_of(document):
    with pytest.raises(ValidationFailed) as error:
        parse_document(document)
    return error.value.field_errors


def test_a_good_edition_parses_with_dates():
    (parsed,) = parse_document({"frameworks": {"leaving_care": edition()}})
    assert parsed.key == "leaving_care/england/2026-05-01"
    assert parsed.effective_from == date(2026, 5, 1) and parsed.effective_to is None


def test_an_unknown_nation_is_named_by_field_with_the_nations_known():
    problems = problems_of({"frameworks": {"x": edition(nations=["england", "atlantis"])}})
    assert list(problems) == ["frameworks.x.nations"]
    (message,) = problems["frameworks.x.nations"]
    assert "atlantis" in message and "wales" in message and "scotland" in message


def test_effective_to_before_effective_from_is_refused():
    problems = problems_of(
        {"frameworks": {"x": edition(effective_from="2026-05-01", effective_to="2026-04-30")}}
    )
    assert problems == {
        "frameworks.x.effective_to": ["2026-04-30 is before effective_from (2026-05-01)"]
    }
    # A one-day edition is allowed: the last day is inclusive.
    parse_document({"frameworks": {"x": edition(effective_to="2026-05-01")}})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nations": None}, "frameworks.x.nations"),
        ({"nations": []}, "frameworks.x.nations"),
        ({"nations": ["england", "england"]}, "frameworks.x.nations"),
        ({"nations": [""]}, "frameworks.x.nations"),
        ({"effective_from": None}, "frameworks.x.effective_from"),
        ({"effective_from": "1 May 2026"}, "frameworks.x.effective_from"),
        ({"effective_from": datetime(2026, 5, 1, 9)}, "frameworks.x.effective_from"),
        ({"effective_to": "soon"}, "frameworks.x.effective_to"),
        ({"tasks": None}, "frameworks.x.tasks"),
        ({"efective_from": "2026-05-01"}, "frameworks.x.efective_from"),
        ({"on_duty": {"main_duty": []}}, "frameworks.x.on_duty.main_duty"),
        ({"on_duty": ["prevention"]}, "frameworks.x.on_duty"),
    ],
)
def test_each_wrong_field_is_named(change, field):
    assert field in problems_of({"frameworks": {"x": edition(**change)}})


def test_a_plain_list_of_tasks_is_refused_because_it_names_no_nation_or_date():
    problems = problems_of({"frameworks": {"x": [{"key": "a", "name": "A"}]}})
    assert list(problems) == ["frameworks.x"]
    assert "nation" in problems["frameworks.x"][0]
    assert list(problems_of({"frameworks": []})) == ["frameworks"]
    assert list(problems_of(None)) == ["frameworks"]


def test_anchors_belong_to_duty_tasks_without_predecessors():
    opening_anchor = edition(tasks=[{"key": "a", "name": "A", "anchor": "day_after"}])
    assert (
        "duty tasks" in problems_of({"frameworks": {"x": opening_anchor}})["frameworks.x.tasks"][0]
    )
    both = edition(
        on_duty={
            "prevention": [
                {"key": "a", "name": "A"},
                {"key": "b", "name": "B", "anchor": "day_after", "depends_on": [{"task": "a"}]},
            ]
        }
    )
    assert problems_of({"frameworks": {"x": both}}) == {
        "frameworks.x.on_duty.prevention": [
            "b: a task that waits for predecessors cannot have an anchor too"
        ]
    }
    unknown = edition(on_duty={"relief": [{"key": "a", "name": "A", "anchor": "payday"}]})
    assert (
        "unknown anchor 'payday'"
        in problems_of({"frameworks": {"x": unknown}})["frameworks.x.on_duty.relief"][0]
    )
    bad_lag = edition(
        on_duty={"relief": [{"key": "a", "name": "A", "anchor_lag": {"amount": 1, "unit": "x"}}]}
    )
    assert (
        "unknown unit 'x'"
        in problems_of({"frameworks": {"x": bad_lag}})["frameworks.x.on_duty.relief"][0]
    )


def test_outlives_duty_is_a_duty_task_flag():
    opening = edition(tasks=[{"key": "a", "name": "A", "outlives_duty": True}])
    not_a_flag = edition(on_duty={"relief": [{"key": "a", "name": "A", "outlives_duty": "yes"}]})
    message = ["a: outlives_duty is true or false, and for duty tasks only"]
    assert problems_of({"frameworks": {"x": opening}}) == {"frameworks.x.tasks": message}
    assert problems_of({"frameworks": {"x": not_a_flag}}) == {
        "frameworks.x.on_duty.relief": message
    }


def test_duty_links_resolve_within_the_duty_part_only():
    crossing = edition(
        on_duty={"relief": [{"key": "plan", "name": "Plan", "depends_on": [{"task": "call"}]}]}
    )
    assert problems_of({"frameworks": {"x": crossing}}) == {
        "frameworks.x.on_duty.relief": ["plan: depends on unknown task 'call'"]
    }


def test_several_dated_editions_and_which_is_in_force():
    document = {
        "frameworks": {
            "x": [
                edition(effective_from="2018-04-03", effective_to="2026-04-30"),
                edition(effective_from="2026-05-01"),
                edition(nations=["wales"], effective_from="2022-12-01"),
            ]
        }
    }
    editions = parse_document(document)
    assert [e.key for e in editions] == [
        "x/england/2018-04-03",
        "x/england/2026-05-01",
        "x/wales/2022-12-01",
    ]
    assert edition_in_force(editions, "england", date(2026, 4, 30)).key == "x/england/2018-04-03"
    assert edition_in_force(editions, "england", date(2026, 5, 1)).key == "x/england/2026-05-01"
    assert edition_in_force(editions, "wales", date(2026, 5, 1)).key == "x/wales/2022-12-01"
    assert edition_in_force(editions, "wales", date(2022, 11, 30)) is None
    assert edition_in_force(editions, "scotland", date(2026, 5, 1)) is None
    twins = {"frameworks": {"x": [edition(), edition(nations=["england", "wales"])]}}
    assert problems_of(twins) == {
        "frameworks.x.1.effective_from": ["another edition for england begins on the same day"]
    }


def test_a_later_edition_overrides_an_open_ended_one_from_its_first_day():
    shipped = FrameworkEdition("x", ("england",), date(2018, 4, 3), None, [])
    councils = FrameworkEdition("x", ("england",), date(2027, 1, 1), None, [])
    assert edition_in_force([shipped, councils], "england", date(2026, 12, 31)) is shipped
    assert edition_in_force([shipped, councils], "england", date(2027, 1, 1)) is councils


# --- anchoring to the duty --------------------------------------------------------------------


ASSESSMENT = TaskTemplate.parse(
    {
        "key": "assessment",
        "name": "Assess",
        "due_in": {"amount": 10, "unit": "working_days"},
        "warn_before": {"amount": 2, "unit": "working_days"},
    }
)
DECIDE = TaskTemplate.parse(
    {
        "key": "decide",
        "name": "Decide",
        "anchor": "day_after",
        "due_in": {"amount": 5, "unit": "working_days"},
    }
)


def clock(starts_on):
    period = Period(56)
    last = period.last_day(starts_on)
    return DutyClock("prevention", starts_on, last, date.fromordinal(last.toordinal() + 1))


def test_a_backdated_duty_start_gives_earlier_dates():
    today = clock(date(2026, 11, 25))
    backdated = clock(date(2026, 11, 16))
    # 09:00 in London on the day the duty began (GMT in November).
    assert duty_anchor(ASSESSMENT, today, ENGLAND) == utc(2026, 11, 25, 9)
    assert duty_anchor(ASSESSMENT, backdated, ENGLAND) == utc(2026, 11, 16, 9)
    # Ten working days: Wednesday 25 November to Wednesday 9 December; Monday 16 to Monday 30.
    due_today = deadlines(ASSESSMENT, duty_anchor(ASSESSMENT, today, ENGLAND), ENGLAND)
    due_backdated = deadlines(ASSESSMENT, duty_anchor(ASSESSMENT, backdated, ENGLAND), ENGLAND)
    assert due_today.due_at == utc(2026, 12, 9, 9)
    assert due_backdated.due_at == utc(2026, 11, 30, 9)
    assert due_backdated.warn_at == utc(2026, 11, 26, 9)
    # The decision after the 56 days moves with it: the last day is start + 55.
    assert today.due_on == date(2027, 1, 19)
    assert duty_anchor(DECIDE, today, ENGLAND) == utc(2027, 1, 20, 9)
    assert duty_anchor(DECIDE, backdated, ENGLAND) == utc(2027, 1, 11, 9)


def test_working_day_lags_from_a_duty_start_skip_bank_holidays():
    christmas = clock(date(2026, 12, 23))
    anchor = duty_anchor(ASSESSMENT, christmas, ENGLAND)
    # Thursday 24 December is day 1; Christmas Day, the Boxing Day substitute (Monday 28th)
    # and New Year's Day are not working days, nor the weekends: the tenth is Monday 11 January.
    assert deadlines(ASSESSMENT, anchor, ENGLAND).due_at == utc(2027, 1, 11, 9)
    # The same ten days in Scotland also skip 2 January's substitute (Monday 4 January).
    scotland = WorkingCalendar("scotland")
    assert deadlines(ASSESSMENT, anchor, scotland).due_at == utc(2027, 1, 12, 9)
    # A council closure day counts as well.
    closed = WorkingCalendar("england_wales", [date(2026, 12, 24)])
    assert deadlines(ASSESSMENT, anchor, closed).due_at == utc(2027, 1, 12, 9)


def test_anchor_lag_keeps_the_london_time_across_the_clock_change():
    check = TaskTemplate.parse(
        {"key": "check", "name": "Check", "anchor_lag": {"amount": 42, "unit": "days"}}
    )
    # Friday 26 March 2027 09:00 GMT; six weeks later is 09:00 BST, 08:00 UTC.
    assert duty_anchor(check, clock(date(2027, 3, 26)), ENGLAND) == utc(2027, 5, 7, 8)
    assert add_lag(utc(2027, 3, 26, 9), Lag(42, "days")) == utc(2027, 5, 7, 8)


def test_dependent_and_unanchorable_duty_tasks_get_no_anchor():
    waiting = TaskTemplate.parse({"key": "b", "name": "B", "depends_on": [{"task": "a"}]})
    assert duty_anchor(waiting, clock(date(2026, 11, 25))) is None
    no_last_day = DutyClock("relief", date(2026, 11, 25), None, None)
    assert duty_anchor(DECIDE, no_last_day) is None
    assert duty_anchor(ASSESSMENT, no_last_day) == utc(2026, 11, 25, 9)


def test_duty_task_keys_are_scoped_to_the_duty_and_its_entry():
    keyed = keyed_for_duty(
        {"key": "issue_php", "name": "Issue", "depends_on": [{"task": "assessment"}]},
        "relief",
        2,
    )
    assert keyed["key"] == "relief_duty.2.issue_php"
    assert keyed["depends_on"] == [{"task": "relief_duty.2.assessment"}]
