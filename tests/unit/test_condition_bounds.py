"""Conditions are bounded (shared/rules.py ``MAX_*``): deep, large, long or out-of-range trees are
refused by ``check_condition`` with the path of the node, quickly and without recursing; and no
day count, however large, can overflow the date arithmetic of evaluation."""

import time
from datetime import date

import pytest

from shared.rules import (
    MAX_DAYS,
    MAX_DEPTH,
    MAX_KEY,
    MAX_NODES,
    MAX_NUMBER,
    MAX_TEXT,
    MAX_VALUES,
    InvalidCondition,
    check_condition,
    compile_condition,
    evaluate,
    explain,
    question_keys,
)

TODAY = date(2026, 11, 24)


def chain(depth: int, operator: str = "all") -> object:
    """``depth`` operators nested inside each other around an ``eq`` (the leaf counts too)."""
    condition: object = {"eq": ["tenure", "private_rented"]}
    for _ in range(depth - 1):
        condition = {operator: [condition]} if operator != "not" else {"not": condition}
    return condition


def refusal(condition) -> InvalidCondition:
    with pytest.raises(InvalidCondition) as error:
        check_condition(condition)
    return error.value


@pytest.mark.parametrize("operator", ["all", "any", "not"])
def test_depth_is_bounded(operator):
    check_condition(chain(MAX_DEPTH, operator))
    error = refusal(chain(MAX_DEPTH + 1, operator))
    assert error.message == f"nested more than {MAX_DEPTH} deep"
    assert error.path.count(f".{operator}") == MAX_DEPTH


@pytest.mark.parametrize("depth", [400, 600, 100_000])
def test_the_reproductions_of_a_deep_chain_are_refused_quickly(depth):
    # 600 deep used to pass and then raise RecursionError when matched (400 in reasons_for).
    condition = chain(depth)
    started = time.monotonic()
    assert refusal(condition).message == f"nested more than {MAX_DEPTH} deep"
    assert time.monotonic() - started < 0.5


def test_the_number_of_nodes_is_bounded():
    check_condition({"any": [{"answered": "a"}] * (MAX_NODES - 1)})
    assert refusal({"any": [{"answered": "a"}] * MAX_NODES}).message == (
        f"more than {MAX_NODES} nodes"
    )
    wide = {"all": [{"any": [{"answered": "a"}] * 100}] * 6}
    error = refusal(wide)
    assert (error.path, error.message) == ("$", f"more than {MAX_NODES} nodes")
    flat = {"all": [True] * 1_000_000}
    started = time.monotonic()
    refusal(flat)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(
    ("condition", "path", "message"),
    [
        ({"within_days": ["d", 3_000_000]}, "$.within_days", f"from 0 to {MAX_DAYS}"),
        ({"within_days": ["d", MAX_DAYS + 1]}, "$.within_days", f"from 0 to {MAX_DAYS}"),
        ({"within_days": ["d", -1]}, "$.within_days", f"from 0 to {MAX_DAYS}"),
        ({"within_days": ["d", 5.5]}, "$.within_days", "a whole number of days"),
        ({"within_days": ["d", True]}, "$.within_days", "a whole number of days"),
        ({"gt": ["n", MAX_NUMBER + 1]}, "$.gt", "a number must be between"),
        ({"lt": ["n", -(10**5000)]}, "$.lt", "a number must be between"),
        ({"gte": ["n", float("inf")]}, "$.gte", "a number must be between"),
        ({"lte": ["n", float("nan")]}, "$.lte", "a number must be between"),
        ({"eq": ["n", 10**12]}, "$.eq", "a number must be between"),
        ({"in": ["n", list(range(MAX_VALUES + 1))]}, "$.in", f"more than {MAX_VALUES} values"),
        ({"in": ["n", [[1]]]}, "$.in", "a value is text, a number, true, false or null"),
        ({"eq": ["n", {"nested": 1}]}, "$.eq", "a value is text, a number, true, false or null"),
        ({"contains": ["n", "x" * (MAX_TEXT + 1)]}, "$.contains", f"at most {MAX_TEXT}"),
        ({"answered": "k" * (MAX_KEY + 1)}, "$.answered", f"at most {MAX_KEY} characters"),
        ({"eq": ["k" * (MAX_KEY + 1), 1]}, "$.eq", f"at most {MAX_KEY} characters"),
        ({"not": {"all": [{"gt": ["n", "1"]}]}}, "$.not.all[0].gt", "expects a number"),
    ],
)
def test_values_are_bounded(condition, path, message):
    error = refusal(condition)
    assert error.path == path and message in error.message


@pytest.mark.parametrize(
    "condition",
    [
        {"within_days": ["d", 0]},
        {"within_days": ["d", MAX_DAYS]},
        {"gt": ["n", MAX_NUMBER]},
        {"lte": ["n", -MAX_NUMBER]},
        {"gte": ["n", 2.5]},
        {"in": ["n", [None, True, 1, 1.5, "x" * MAX_TEXT] * 20]},
        {"eq": ["k" * MAX_KEY, None]},
    ],
)
def test_values_within_the_bounds_pass(condition):
    check_condition(condition)


@pytest.mark.parametrize("days", [3_000_000, 10**9, 10**12])
@pytest.mark.parametrize("answer", ["2026-12-01", "9999-12-31", "0001-01-01"])
def test_a_day_count_never_overflows_the_date_arithmetic(days, answer):
    # Stored before the bounds, such a condition raised OverflowError for every enquiry that
    # answered the question. Now it is refused when checked, and harmless even unchecked.
    condition = {"within_days": ["d", days]}
    expected = answer >= TODAY.isoformat()
    assert evaluate(condition, {"d": answer}, TODAY) is expected
    assert compile_condition(condition)({"d": answer}, TODAY) is expected
    assert explain(condition, {"d": answer}, TODAY)["held"] is expected


def test_question_keys_is_safe_on_a_tree_that_was_refused():
    # A template looks for show_if cycles even when a condition was refused.
    assert question_keys(chain(100_000)) == {"tenure"}
    assert question_keys({"all": [{"eq": "a"}, "eval('1')", {"any": 3}, {"answered": "b"}]}) == {
        "b"
    }
