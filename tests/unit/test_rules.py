from datetime import date

import pytest

from shared.rules import InvalidCondition, check_condition, evaluate, question_keys

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        ({"eq": ["tenure", "private_rented"]}, {"tenure": "private_rented"}, True),
        ({"eq": ["tenure", "private_rented"]}, {"tenure": "social_rented"}, False),
        ({"ne": ["tenure", "private_rented"]}, {"tenure": "social_rented"}, True),
        ({"in": ["tenure", ["a", "b"]]}, {"tenure": "b"}, True),
        ({"contains": ["needs", "mental_health"]}, {"needs": ["mental_health"]}, True),
        ({"contains": ["needs", "mental_health"]}, {"needs": "mental_health"}, False),
        ({"gt": ["children", 0]}, {"children": 2}, True),
        ({"gte": ["children", 2]}, {"children": 2}, True),
        ({"lt": ["children", 2]}, {"children": 2}, False),
        ({"lte": ["children", 2]}, {"children": 2}, True),
        ({"gt": ["children", 0]}, {"children": "two"}, False),
        ({"answered": "email"}, {"email": "a@b.cd"}, True),
        ({"answered": "email"}, {"email": ""}, False),
        ({"within_days": ["expiry", 56]}, {"expiry": "2027-01-19"}, True),
        ({"within_days": ["expiry", 56]}, {"expiry": "2027-01-20"}, False),
        ({"within_days": ["expiry", 56]}, {"expiry": "2026-11-23"}, False),
        ({"within_days": ["expiry", 56]}, {"expiry": "not a date"}, False),
        ({"before_today": "expiry"}, {"expiry": "2026-11-23"}, True),
        ({"before_today": "expiry"}, {"expiry": "2026-11-24"}, False),
        ({"all": [{"eq": ["a", 1]}, {"eq": ["b", 2]}]}, {"a": 1, "b": 2}, True),
        ({"all": [{"eq": ["a", 1]}, {"eq": ["b", 2]}]}, {"a": 1}, False),
        ({"any": [{"eq": ["a", 1]}, {"eq": ["b", 2]}]}, {"b": 2}, True),
        ({"any": []}, {}, False),
        ({"all": []}, {}, True),
    ],
)
def test_operators(condition, answers, expected):
    assert evaluate(condition, answers, TODAY) is expected


@pytest.mark.parametrize("operator", ["eq", "ne", "gt", "gte", "lt", "lte", "contains"])
def test_missing_answer_makes_every_comparison_false_and_not_true(operator):
    condition = {operator: ["absent", 1]}
    for answers in ({}, {"absent": None}, {"absent": ""}, {"absent": []}):
        assert evaluate(condition, answers, TODAY) is False
        assert evaluate({"not": condition}, answers, TODAY) is True


def test_question_keys_collects_every_reference():
    condition = {
        "all": [{"eq": ["a", 1]}, {"not": {"answered": "b"}}, {"any": [{"in": ["c", [1]]}]}]
    }
    assert question_keys(condition) == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("condition", "path"),
    [
        ({"bogus": ["a", 1]}, "$.bogus"),
        ({"all": [{"eq": ["a", 1]}, {"eq": "a"}]}, "$.all[1].eq"),
        ({"in": ["a", "not-a-list"]}, "$.in"),
        ({"gt": ["a", "1"]}, "$.gt"),
        ({"eq": ["a", 1], "ne": ["a", 2]}, "$"),
        ("eval('1')", "$"),
    ],
)
def test_malformed_conditions_name_the_bad_node(condition, path):
    with pytest.raises(InvalidCondition) as error:
        check_condition(condition)
    assert error.value.path == path
