"""The condition language shared by templates (show_if, triage) and the statement bank.

A condition is a JSON tree, never text to evaluate:

    true | {"all": [c...]} | {"any": [c...]} | {"not": c}
    {"eq"|"ne": [key, value]}  {"in": [key, [values]]}  {"contains": [key, value]}
    {"gt"|"gte"|"lt"|"lte": [key, number]}  {"answered": key}
    {"within_days": [key, n]}  {"before_today": key}

Missing answers: a question that was not answered (absent, None, "" or []) makes every comparison
on it false, including ``ne``; ``not`` then turns that false into true. ``answered`` is the way to
ask about presence explicitly.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

Condition = Any
Answers = dict[str, Any]

COMPARISONS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
OPERATORS = {"all", "any", "not", "in", "contains", "answered", "within_days", "before_today"}
OPERATORS |= set(COMPARISONS)


class InvalidCondition(ValueError):
    """A condition tree that is not well formed; ``path`` locates the bad node."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def is_answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def evaluate(condition: Condition, answers: Answers, today: date) -> bool:
    """True when ``condition`` holds for ``answers`` on ``today``."""
    if condition is True or condition is False:
        return condition
    ((operator, operand),) = condition.items()
    if operator == "all":
        return all(evaluate(c, answers, today) for c in operand)
    if operator == "any":
        return any(evaluate(c, answers, today) for c in operand)
    if operator == "not":
        return not evaluate(operand, answers, today)
    if operator == "answered":
        return is_answered(answers.get(operand))
    if operator == "before_today":
        answer = _as_date(answers.get(operand)) if is_answered(answers.get(operand)) else None
        return answer is not None and answer < today
    key, expected = operand
    answer = answers.get(key)
    if not is_answered(answer):
        return False
    if operator == "in":
        return answer in expected
    if operator == "contains":
        return isinstance(answer, list) and expected in answer
    if operator == "within_days":
        answer_date = _as_date(answer)
        return answer_date is not None and today <= answer_date <= today + timedelta(days=expected)
    try:
        return COMPARISONS[operator](answer, expected)
    except TypeError:
        return False


def question_keys(condition: Condition) -> set[str]:
    """Every question key a condition refers to."""
    if isinstance(condition, bool):
        return set()
    ((operator, operand),) = condition.items()
    if operator in ("all", "any"):
        return set().union(*(question_keys(c) for c in operand)) if operand else set()
    if operator == "not":
        return question_keys(operand)
    if operator in ("answered", "before_today"):
        return {operand}
    return {operand[0]}


def check_condition(condition: Condition, path: str = "$") -> None:
    """Raise ``InvalidCondition`` for a malformed tree. Semantic checks against a template (unknown
    keys, impossible values) are the caller's, since only it knows the questions."""
    if isinstance(condition, bool):
        return
    if not isinstance(condition, dict) or len(condition) != 1:
        raise InvalidCondition(path, "a condition is true, false or an object with one operator")
    ((operator, operand),) = condition.items()
    here = f"{path}.{operator}"
    if operator not in OPERATORS:
        raise InvalidCondition(here, f"unknown operator {operator!r}")
    if operator in ("all", "any"):
        if not isinstance(operand, list):
            raise InvalidCondition(here, "expects a list of conditions")
        for index, child in enumerate(operand):
            check_condition(child, f"{here}[{index}]")
    elif operator == "not":
        check_condition(operand, here)
    elif operator in ("answered", "before_today"):
        if not isinstance(operand, str) or not operand:
            raise InvalidCondition(here, "expects a question key")
    else:
        if not (isinstance(operand, list) and len(operand) == 2 and isinstance(operand[0], str)):
            raise InvalidCondition(here, "expects [question_key, value]")
        if operator == "in" and not isinstance(operand[1], list):
            raise InvalidCondition(here, "expects a list of values")
        numeric = operator in ("gt", "gte", "lt", "lte", "within_days")
        if numeric and (isinstance(operand[1], bool) or not isinstance(operand[1], int | float)):
            raise InvalidCondition(here, "expects a number")
