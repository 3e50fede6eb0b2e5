"""The case page's own choices, without services: one page of the timeline (newest first, with
links around the current page), the grounds in words, authorised notices, the unfinished tasks
a team leader may reassign, the new owner a form names and the day a date input gives."""

from __future__ import annotations

from datetime import date

from services.gateway.principal import Principal
from services.gateway.web.form import Question
from services.gateway.web.workspace import (
    GRADES,
    GROUND_WORDS,
    TIMELINE_PAGE_SIZE,
    answer_rows,
    answer_text,
    case_page_context,
    moment_text,
    new_owner,
    parse_day,
)


def context(entries: int, page: int = 1, **case: object) -> dict:
    timeline = [{"sequence": n, "action": "case.viewed"} for n in range(1, entries + 1)]
    tasks = [
        {"task_id": "a", "status": "active"},
        {"task_id": "b", "status": "completed"},
        {"task_id": "c", "status": "on_hold"},
    ]
    return case_page_context(
        {"reference": "HO-2026-000001", **case},
        answers={},
        tasks=tasks,
        timeline=timeline,
        verification=None,
        timeline_page=page,
        today=date(2026, 11, 25),
    )


def test_the_timeline_shows_one_page_newest_first():
    first = context(2 * TIMELINE_PAGE_SIZE + 5)
    assert first["timeline"][0]["sequence"] == 2 * TIMELINE_PAGE_SIZE + 5
    assert len(first["timeline"]) == TIMELINE_PAGE_SIZE
    assert first["timeline_total"] == 2 * TIMELINE_PAGE_SIZE + 5
    assert first["timeline_previous"] is None
    assert first["timeline_next"].endswith("timeline_page=2#timeline")
    last = context(2 * TIMELINE_PAGE_SIZE + 5, page=99)  # past the end: the last page
    assert [entry["sequence"] for entry in last["timeline"]] == [5, 4, 3, 2, 1]
    assert last["timeline_next"] is None


def test_a_short_timeline_has_no_page_links():
    assert context(3)["timeline_links"] == []


def test_page_links_skip_far_pages_with_an_ellipsis():
    links = context(20 * TIMELINE_PAGE_SIZE, page=10)["timeline_links"]
    numbers = [link["number"] for link in links if not link.get("ellipsis")]
    assert numbers == [1, 8, 9, 10, 11, 12, 20]
    assert sum(1 for link in links if link.get("ellipsis")) == 2
    assert [link["number"] for link in links if link.get("current")] == [10]


def test_grounds_notices_and_unfinished_tasks():
    shown = context(
        1,
        ending_grounds=[
            {"key": "application_withdrawn", "citation": "s.195(8)"},
            {"key": "a_new_ground", "citation": "s.1"},
        ],
        decisions=[
            {"id": "n1", "kind": "non_cooperation_notice", "status": "authorised"},
            {"id": "n2", "kind": "non_cooperation_notice", "status": "proposed"},
            {"id": "d1", "kind": "duty_ended", "status": "ended"},
        ],
        clocks=[
            {"kind": "prevention_duty", "due_on": "2026-12-05", "state": "running"},
            {"kind": "old", "due_on": "2026-01-01", "state": "stopped"},
        ],
    )
    assert str(shown["ending_grounds"][0]["words"]) == "The applicant withdrew the application"
    assert shown["ending_grounds"][1]["words"] == "a new ground"  # unknown: its key, readable
    assert [notice["id"] for notice in shown["authorised_notices"]] == ["n1"]
    assert [task["task_id"] for task in shown["unfinished_tasks"]] == ["a", "c"]
    assert [clock["kind"] for clock in shown["clocks"]] == ["prevention_duty"]
    assert str(shown["clocks"][0]["words"][0]) == "10 days left"


def test_the_new_owner_a_reassign_form_names():
    leader = Principal("staff", "officer:lee", frozenset({"team_leader"}))
    assert new_owner({"owner_choice": "me"}, leader) == "officer:lee"
    assert new_owner({"owner_choice": "team", "team": "housing-options"}, leader) == (
        "team:housing-options"
    )
    assert new_owner({"owner_choice": "officer", "officer_id": "officer:sam "}, leader) == (
        "officer:sam"
    )
    assert new_owner({"owner_choice": "officer", "officer_id": ""}, leader) is None
    assert new_owner({}, leader) is None


def test_a_date_input_gives_a_real_day_or_nothing():
    assert parse_day("5", "3", "2026") == "2026-03-05"
    assert parse_day("31", "2", "2026") is None
    assert parse_day("", "2", "2026") is None
    assert parse_day("x", "y", "z") is None
    assert parse_day("5", "3", "26") is None


def test_answers_read_as_words_not_python():
    assert answer_text(True) == "Yes" and answer_text(False) == "No"
    assert answer_text(["employment", "benefits"]) == "employment, benefits"
    assert answer_text("2026-12-02") == "2 December 2026"
    assert answer_text(None) == "" and answer_text(3) == "3" and answer_text("M1 1AE") == "M1 1AE"


def test_answers_are_listed_in_the_forms_words_and_order_and_escaped():
    template = {
        "sections": [
            {
                "title": "About you",
                "questions": [
                    {"key": "pregnant", "type": "boolean", "label": "Is anyone pregnant?"},
                    {
                        "key": "tenure",
                        "type": "single_choice",
                        "label": "Where do you live?",
                        "options": [{"value": "private_rented", "label": "I rent privately"}],
                    },
                    {"key": "phone", "type": "phone", "label": "Phone"},
                ],
            }
        ]
    }
    answers = {"tenure": "private_rented", "pregnant": False, "old_key": "<b>x</b>"}
    rows = [(str(q), str(a)) for q, a in answer_rows(answers, Question.all_of(template))]
    assert rows == [
        ("Is anyone pregnant?", "No"),
        ("Where do you live?", "I rent privately"),
        ("old key", "&lt;b&gt;x&lt;/b&gt;"),
    ]


def test_a_moment_is_shown_on_englands_clock():
    assert moment_text("2026-07-01T23:30:05Z") == "2 July 2026 00:30:05"  # BST
    assert moment_text("2026-11-25T23:59:01+00:00") == "25 November 2026 23:59:01"
    assert moment_text(None) == "" and moment_text("soon") == "soon"


def test_the_pages_words_cover_every_ground_and_grade_the_cases_service_has():
    from services.cases import duties

    every_ground = {key for grounds in duties.GROUNDS.values() for key in grounds}
    assert every_ground <= set(GROUND_WORDS)
    assert GRADES == duties.GRADES


def test_a_page_the_cases_service_gave_is_shown_as_it_is():
    page_two = [{"sequence": n} for n in range(150, 50, -1)]
    shown = case_page_context(
        {"reference": "HO-2026-000001"},
        answers={},
        tasks=[],
        timeline=page_two,
        timeline_total=250,
        verification=None,
        timeline_page=2,
    )
    assert shown["timeline"] == page_two and shown["timeline_total"] == 250
    assert shown["timeline_previous"].endswith("timeline_page=1#timeline")
    assert shown["timeline_next"].endswith("timeline_page=3#timeline")
