"""Question templates and answers: pure rules, no nameko, no database."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.rules import InvalidCondition, check_condition, evaluate, is_answered, question_keys

QUESTION_TYPES = {
    "boolean",
    "single_choice",
    "multiple_choice",
    "integer",
    "decimal",
    "date",
    "text",
    "postcode",
    "email",
    "phone",
}
# The UK postcode shape (outward code, space optional, inward code); GIR 0AA is the one oddity.
POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
DEFAULT_TEXT_LIMIT = 2000

Template = dict[str, Any]
FieldErrors = dict[str, list[str]]


def questions(template: Template) -> list[dict[str, Any]]:
    return [q for section in template["sections"] for q in section["questions"]]


def check_template(template: Template) -> FieldErrors:
    """Problems that make a template unpublishable, keyed by question (or template field)."""
    errors: FieldErrors = {}
    seen: set[str] = set()
    all_keys = {q.get("key") for q in questions(template)}
    for question in questions(template):
        key = question.get("key")
        problems = errors.setdefault(str(key), [])
        if not key or not isinstance(key, str):
            problems.append("every question needs a key")
            continue
        if key in seen:
            problems.append("duplicate question key")
        seen.add(key)
        if question.get("type") not in QUESTION_TYPES:
            problems.append(f"unknown type {question.get('type')!r}")
        if question.get("type") in ("single_choice", "multiple_choice") and not question.get(
            "options"
        ):
            problems.append("a choice question needs options")
        if "show_if" in question:
            problems.extend(_condition_problems(question["show_if"], all_keys, key))
    for index, rule in enumerate(template.get("triage", [])):
        problems = _condition_problems(rule.get("when"), all_keys, None)
        if problems:
            errors[f"triage[{index}]"] = problems
    return {key: messages for key, messages in errors.items() if messages}


def _condition_problems(condition: Any, keys: set[Any], own_key: str | None) -> list[str]:
    try:
        check_condition(condition)
    except InvalidCondition as exc:
        return [f"invalid condition at {exc.path}: {exc.message}"]
    unknown = sorted(question_keys(condition) - keys)
    problems = [f"condition refers to unknown question {k!r}" for k in unknown]
    if own_key is not None and own_key in question_keys(condition):
        problems.append("a question cannot depend on its own answer")
    return problems


def visible_questions(template: Template, answers: dict[str, Any], today: date) -> list[dict]:
    return [q for q in questions(template) if evaluate(q.get("show_if", True), answers, today)]


def validate_answers(
    template: Template, answers: dict[str, Any], today: date
) -> tuple[dict[str, Any], FieldErrors]:
    """Check every answer at once. Returns the cleaned answers (normalised values, answers to
    questions the customer was never shown removed) and the problems per question key."""
    known = {q["key"] for q in questions(template)}
    errors: FieldErrors = {
        key: ["this question is not on the form"] for key in answers if key not in known
    }
    cleaned: dict[str, Any] = {}
    for question in visible_questions(template, answers, today):
        key = question["key"]
        value = answers.get(key)
        if not is_answered(value):
            if question.get("required"):
                errors[key] = ["an answer is required"]
            continue
        normalised, problems = _check_value(question, value)
        if problems:
            errors[key] = problems
        else:
            cleaned[key] = normalised
    return cleaned, errors


def _check_value(question: dict[str, Any], value: Any) -> tuple[Any, list[str]]:
    kind = question["type"]
    option_values = [o["value"] for o in question.get("options", [])]
    if kind == "boolean":
        return value, [] if isinstance(value, bool) else ["must be true or false"]
    if kind == "single_choice":
        return value, [] if value in option_values else [f"must be one of {option_values}"]
    if kind == "multiple_choice":
        if not isinstance(value, list):
            return value, ["must be a list of choices"]
        bad = [v for v in value if v not in option_values]
        if bad:
            return value, [f"{bad} not among {option_values}"]
        return sorted(set(value), key=option_values.index), []
    if kind in ("integer", "decimal"):
        return _check_number(question, value)
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat(), []
        except ValueError:
            return value, ["must be a date as YYYY-MM-DD"]
    if not isinstance(value, str):
        return value, ["must be text"]
    text = value.strip()
    if kind == "postcode":
        text = re.sub(r"\s+", " ", text.upper())
        if not POSTCODE.match(text):
            return value, ["must be a UK postcode, such as SW1A 1AA"]
        return (text if " " in text else f"{text[:-3]} {text[-3:]}"), []
    if kind == "email" and not EMAIL.match(text):
        return value, ["must be an email address"]
    if kind == "phone" and not PHONE.match(text):
        return value, ["must be a phone number"]
    limit = question.get("max_length", DEFAULT_TEXT_LIMIT)
    if len(text) > limit:
        return value, [f"must be at most {limit} characters"]
    return text, []


def _check_number(question: dict[str, Any], value: Any) -> tuple[Any, list[str]]:
    if isinstance(value, bool):
        return value, ["must be a number"]
    if question["type"] == "integer":
        if not isinstance(value, int):
            return value, ["must be a whole number"]
        number: int | Decimal = value
    else:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return value, ["must be a number"]
        if not number.is_finite():
            return value, ["must be a number"]
    if "min" in question and number < question["min"]:
        return value, [f"must be at least {question['min']}"]
    if "max" in question and number > question["max"]:
        return value, [f"must be at most {question['max']}"]
    return (value if question["type"] == "integer" else float(number)), []


def choose_workflow(template: Template, answers: dict[str, Any], today: date) -> str:
    """The first triage rule whose condition holds picks the workflow."""
    for rule in template.get("triage", []):
        if evaluate(rule["when"], answers, today):
            return rule["workflow"]
    return template["default_workflow"]


def workflows(template: Template) -> set[str]:
    return {rule["workflow"] for rule in template.get("triage", [])} | {
        template["default_workflow"]
    }
