"""The condition language shared by templates (show_if, triage) and the statement bank.

A condition is a JSON tree, never text to evaluate:

    true | {"all": [c...]} | {"any": [c...]} | {"not": c}
    {"eq"|"ne": [key, value]}  {"in": [key, [values]]}  {"contains": [key, value]}
    {"gt"|"gte"|"lt"|"lte": [key, number]}  {"answered": key}
    {"within_days": [key, n]}  {"before_today": key}

Missing answers: a question that was not answered (absent, None, "" or []) makes every comparison
on it false, including ``ne``; ``not`` then turns that false into true. ``answered`` is the way to
ask about presence explicitly.

A condition is data from an editor, so ``check_condition`` bounds what evaluating it can cost:
depth, node count, list sizes, text lengths and numbers (``MAX_*`` below, docs/advice-rules.md).
Every other function here recurses over the tree and trusts that it has been checked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
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

# The bounds of a checked condition. Far above anything a council writes (the shipped form and bank
# stay under depth 5 and 20 nodes), far below what recursion, memory or date arithmetic tolerate.
MAX_DEPTH = 32  # operators nested inside each other, the outermost counting 1
MAX_NODES = 500  # operators and true/false in the whole tree
MAX_VALUES = 100  # values in one ``in`` list
MAX_KEY = 100  # characters of a question key (as the answers' keys)
MAX_TEXT = 500  # characters of a text value compared with an answer
MAX_NUMBER = 10**9  # magnitude of a number compared with an answer
MAX_DAYS = 36_600  # ``within_days``: about a hundred years, far from date.max


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
    return _parse_date(value) if isinstance(value, str) else _parse_date(str(value))


@lru_cache(maxsize=4096)
def _parse_date(text: str) -> date | None:
    """Matching meets the same few date answers again and again: parse each once."""
    try:
        return date.fromisoformat(text)
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
        # Days from today, not today + n: no n, however large, can overflow the date range.
        return answer_date is not None and 0 <= (answer_date - today).days <= expected
    try:
        return COMPARISONS[operator](answer, expected)
    except TypeError:
        return False


def question_keys(condition: Condition) -> set[str]:
    """Every question key a condition refers to. Walks with its own stack and skips nodes that
    are not well formed, so it is safe on a tree ``check_condition`` has not passed (a template
    looks for ``show_if`` cycles even when a condition was refused)."""
    keys: set[str] = set()
    pending = [condition]
    while pending:
        node = pending.pop()
        if not isinstance(node, dict) or len(node) != 1:
            continue
        ((operator, operand),) = node.items()
        if operator in ("all", "any"):
            pending.extend(operand if isinstance(operand, list) else [])
        elif operator == "not":
            pending.append(operand)
        elif operator in ("answered", "before_today"):
            keys.update([operand] if isinstance(operand, str) else [])
        elif operator in OPERATORS and isinstance(operand, list) and operand:
            keys.update([operand[0]] if isinstance(operand[0], str) else [])
    return keys


def check_condition(condition: Condition, path: str = "$") -> None:
    """Raise ``InvalidCondition`` for a malformed tree or one beyond the bounds (``MAX_*``).
    Semantic checks against a template (unknown keys, impossible values) are the caller's, since
    only it knows the questions. Walks with its own stack: any depth is refused, never recursed."""
    pending: list[tuple[Any, str, int]] = [(condition, path, 1)]
    nodes = 0
    while pending:
        node, here, depth = pending.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise InvalidCondition(path, f"more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise InvalidCondition(here, f"nested more than {MAX_DEPTH} deep")
        children = _check_node(node, here)
        pending.extend((child, where, depth + 1) for child, where in reversed(children))


def _check_node(condition: Condition, path: str) -> list[tuple[Any, str]]:
    """Check one node; return its child conditions with their paths."""
    if isinstance(condition, bool):
        return []
    if not isinstance(condition, dict) or len(condition) != 1:
        raise InvalidCondition(path, "a condition is true, false or an object with one operator")
    ((operator, operand),) = condition.items()
    here = f"{path}.{operator}"
    if operator not in OPERATORS:
        raise InvalidCondition(here, f"unknown operator {str(operator)[:50]!r}")
    if operator in ("all", "any"):
        if not isinstance(operand, list):
            raise InvalidCondition(here, "expects a list of conditions")
        if len(operand) >= MAX_NODES:
            raise InvalidCondition(here, f"more than {MAX_NODES} nodes")
        return [(child, f"{here}[{index}]") for index, child in enumerate(operand)]
    if operator == "not":
        return [(operand, here)]
    if operator in ("answered", "before_today"):
        _check_key(operand, here)
        return []
    if not (isinstance(operand, list) and len(operand) == 2 and isinstance(operand[0], str)):
        raise InvalidCondition(here, "expects [question_key, value]")
    key, value = operand
    _check_key(key, here)
    if operator == "within_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
            raise InvalidCondition(here, f"expects a whole number of days from 0 to {MAX_DAYS}")
    elif operator in ("gt", "gte", "lt", "lte"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidCondition(here, "expects a number")
        _check_value(value, here)
    elif operator == "in":
        if not isinstance(value, list):
            raise InvalidCondition(here, "expects a list of values")
        if len(value) > MAX_VALUES:
            raise InvalidCondition(here, f"more than {MAX_VALUES} values")
        for item in value:
            _check_value(item, here)
    else:
        _check_value(value, here)
    return []


def _check_key(key: Any, path: str) -> None:
    if not isinstance(key, str) or not key:
        raise InvalidCondition(path, "expects a question key")
    if len(key) > MAX_KEY:
        raise InvalidCondition(path, f"a question key has at most {MAX_KEY} characters")


def _check_value(value: Any, path: str) -> None:
    """A value compared with an answer: text, a number, true/false or null, within bounds."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise InvalidCondition(path, f"a text value has at most {MAX_TEXT} characters")
        return
    if isinstance(value, int | float):
        # NaN compares false with everything, so it is refused here too.
        if not -MAX_NUMBER <= value <= MAX_NUMBER:
            raise InvalidCondition(path, f"a number must be between -{MAX_NUMBER} and {MAX_NUMBER}")
        return
    raise InvalidCondition(path, "a value is text, a number, true, false or null")


def check_against_questions(
    condition: Condition, questions: dict[str, dict[str, Any]], path: str = "$"
) -> list[tuple[str, str]]:
    """Problems of a well-formed condition against a question template (questions by key):
    unknown questions, and values or operators a question's answers could never satisfy.
    Returns (path of the node, message) pairs."""
    if isinstance(condition, bool):
        return []
    ((operator, operand),) = condition.items()
    here = f"{path}.{operator}"
    if operator in ("all", "any"):
        return [
            p
            for i, c in enumerate(operand)
            for p in check_against_questions(c, questions, f"{here}[{i}]")
        ]
    if operator == "not":
        return check_against_questions(operand, questions, here)
    key = operand if operator in ("answered", "before_today") else operand[0]
    question = questions.get(key)
    if question is None:
        return [(here, f"refers to unknown question {key!r}")]
    kind = question.get("type")
    expected = None if operator in ("answered", "before_today") else operand[1]
    problem = _impossible(operator, kind, expected, question)
    return [(here, f"on {key!r}: {problem}")] if problem else []


def _impossible(operator: str, kind: str, expected: Any, question: dict) -> str | None:
    options = [o.get("value") for o in question.get("options", []) if isinstance(o, dict)]
    if operator in ("within_days", "before_today"):
        return None if kind == "date" else f"{operator} needs a date question, not {kind}"
    if operator in ("gt", "gte", "lt", "lte"):
        return None if kind in ("integer", "decimal") else f"{operator} needs a number question"
    if operator == "contains":
        if kind != "multiple_choice":
            return "contains needs a multiple choice question"
        return None if expected in options else f"{expected!r} is not one of its options"
    values = expected if operator == "in" else [expected] if operator in ("eq", "ne") else []
    for value in values:
        if kind == "boolean" and not isinstance(value, bool):
            return f"{value!r} is not true or false"
        if kind == "single_choice" and value not in options:
            return f"{value!r} is not one of its options"
        if kind == "multiple_choice":
            return f"use contains to test a multiple choice answer, not {operator}"
        if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            return f"{value!r} is not a whole number"
        if kind == "decimal" and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"{value!r} is not a number"
        if kind in ("text", "postcode", "email", "phone", "date") and not isinstance(value, str):
            return f"{value!r} is not text"
    return None


# --- compiled conditions ------------------------------------------------------------------------
# A condition is turned into a tree of closures once (per bank version); evaluating it is then
# plain function calls, with no walking of the JSON and no dictionary dispatch per node.

Predicate = Callable[[Answers, date], bool]


def compile_condition(condition: Condition) -> Predicate:
    """A function equal to ``evaluate(condition, ...)``, built from the tree, never from text."""
    if condition is True:
        return lambda answers, today: True
    if condition is False:
        return lambda answers, today: False
    ((operator, operand),) = condition.items()
    if operator in ("all", "any"):
        return _combine(operator, [compile_condition(c) for c in operand])
    if operator == "not":
        inner = compile_condition(operand)
        return lambda answers, today: not inner(answers, today)
    if operator == "answered":
        return lambda answers, today: is_answered(answers.get(operand))
    if operator == "before_today":
        return lambda answers, today: _date_answer(answers.get(operand)) < today
    key, expected = operand
    if operator == "eq":
        if is_answered(expected):
            # An answer equal to an answered value is itself answered: one lookup suffices.
            return lambda answers, today: answers.get(key) == expected
        return lambda answers, today: is_answered(answers.get(key)) and answers[key] == expected
    if operator == "ne":
        return lambda answers, today: is_answered(answers.get(key)) and answers[key] != expected
    if operator == "in":
        try:
            allowed = frozenset(expected)
            return lambda answers, today: _in_set(answers.get(key), allowed, expected)
        except TypeError:  # unhashable option values: fall back to a list scan
            return lambda answers, today: is_answered(answers.get(key)) and answers[key] in expected
    if operator == "contains":
        return lambda answers, today: (
            isinstance(answers.get(key), list) and expected in answers[key]
        )
    if operator == "within_days":

        def within(answers: Answers, today: date) -> bool:
            answer = _date_answer(answers.get(key))
            return answer is not _NEVER and 0 <= (answer - today).days <= expected

        return within
    compare = COMPARISONS[operator]

    def compared(answers: Answers, today: date) -> bool:
        answer = answers.get(key)
        if not is_answered(answer):
            return False
        try:
            return compare(answer, expected)
        except TypeError:
            return False

    return compared


_NEVER = date.max


def _combine(operator: str, parts: list[Predicate]) -> Predicate:
    """``all``/``any`` of compiled parts; the common small arities avoid a generator per call."""
    if not parts:
        return (lambda answers, today: True) if operator == "all" else (lambda a, t: False)
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        if operator == "all":
            return lambda answers, today: first(answers, today) and second(answers, today)
        return lambda answers, today: first(answers, today) or second(answers, today)
    if len(parts) == 3:
        first, second, third = parts
        if operator == "all":
            return lambda answers, today: (
                first(answers, today) and second(answers, today) and third(answers, today)
            )
        return lambda answers, today: (
            first(answers, today) or second(answers, today) or third(answers, today)
        )
    joined = tuple(parts)
    if operator == "all":
        return lambda answers, today: all(p(answers, today) for p in joined)
    return lambda answers, today: any(p(answers, today) for p in joined)


def without_equalities(condition: Condition, pairs: set[tuple[str, Any]]) -> Condition:
    """The condition with the top-level ``all``'s ``eq`` nodes on ``pairs`` removed: what is
    left to check once an index lookup has already established those answers."""
    if not isinstance(condition, dict) or "all" not in condition:
        return condition
    remaining, dropped = [], set()
    for child in condition["all"]:
        pair = tuple(child["eq"]) if isinstance(child, dict) and "eq" in child else None
        if pair is not None and pair in pairs and pair not in dropped and is_answered(pair[1]):
            dropped.add(pair)
            continue
        remaining.append(child)
    return {"all": remaining}


def _date_answer(value: Any) -> date:
    """A date answer, or ``date.max`` (never before today, never within a window)."""
    if not is_answered(value):
        return _NEVER
    answer = _as_date(value)
    return _NEVER if answer is None else answer


def _in_set(value: Any, allowed: frozenset, expected: list) -> bool:
    if not is_answered(value):
        return False
    try:
        return value in allowed
    except TypeError:
        return value in expected


def explain(condition: Condition, answers: Answers, today: date, path: str = "$") -> dict[str, Any]:
    """Why a condition holds or not: the tree of operators with, at each leaf, the question,
    the answer given (or ``None``) and the expected value. For officers and customers, not speed."""
    held = evaluate(condition, answers, today)
    if isinstance(condition, bool):
        return {"path": path, "operator": "always" if condition else "never", "held": held}
    ((operator, operand),) = condition.items()
    here = f"{path}.{operator}"
    node: dict[str, Any] = {"path": here, "operator": operator, "held": held}
    if operator in ("all", "any"):
        node["conditions"] = [
            explain(c, answers, today, f"{here}[{i}]") for i, c in enumerate(operand)
        ]
    elif operator == "not":
        node["conditions"] = [explain(operand, answers, today, here)]
    else:
        key = operand if operator in ("answered", "before_today") else operand[0]
        node["question"] = key
        node["answer"] = answers.get(key)
        if operator not in ("answered", "before_today"):
            node["expected"] = operand[1]
    return node


def index_alternatives(
    condition: Condition, cost: Callable[[tuple[str, Any]], int] = lambda pair: 1
) -> list[tuple[str, Any]] | None:
    """(question, value) pairs such that the condition can only hold when the answers equal at
    least one of them; None when there is no such set. Of the choices an ``all`` offers, the
    cheapest by ``cost`` (e.g. how many statements share the pair) is taken. Used to index
    statements so a match evaluates only those that could apply."""
    if isinstance(condition, bool):
        return None
    ((operator, operand),) = condition.items()
    if operator == "eq":
        return [(operand[0], operand[1])]
    if operator == "in":
        return [(operand[0], value) for value in operand[1]] or None
    if operator == "all":
        options = [index_alternatives(child, cost) for child in operand]
        options = [o for o in options if o is not None]
        return min(options, key=lambda pairs: sum(map(cost, pairs))) if options else None
    if operator == "any":
        options = [index_alternatives(child, cost) for child in operand]
        if not options or any(o is None for o in options):
            return None
        return [pair for pairs in options for pair in pairs]
    return None


def required_equalities(condition: Condition) -> list[tuple[str, Any]]:
    """(question, value) pairs the answers must all equal for the condition to hold: the ``eq``
    nodes reachable through ``all`` alone."""
    if isinstance(condition, bool):
        return []
    ((operator, operand),) = condition.items()
    if operator == "eq":
        return [(operand[0], operand[1])]
    if operator == "all":
        return [pair for child in operand for pair in required_equalities(child)]
    return []


def equality_pairs(condition: Condition) -> list[tuple[str, Any]]:
    """Every (question, value) an ``eq`` or ``in`` anywhere in the condition names."""
    if isinstance(condition, bool):
        return []
    ((operator, operand),) = condition.items()
    if operator in ("all", "any"):
        return [pair for child in operand for pair in equality_pairs(child)]
    if operator == "not":
        return equality_pairs(operand)
    if operator == "eq":
        return [(operand[0], operand[1])]
    if operator == "in":
        return [(operand[0], value) for value in operand[1]]
    return []
