"""Choosing advice: pure functions over the statement bank. No nameko, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.rules import InvalidCondition, check_condition, evaluate


@dataclass(frozen=True)
class StatementVersion:
    key: str
    version: int
    title: str
    body: str
    section: str
    priority: int
    workflows: tuple[str, ...]
    condition: Any


@dataclass(frozen=True)
class WorkflowDefinition:
    key: str
    title: str
    sections: tuple[str, ...]


def match_statements(
    statements: list[StatementVersion],
    workflow: WorkflowDefinition,
    answers: dict[str, Any],
    today: date,
) -> list[StatementVersion]:
    """The statements of ``workflow`` whose conditions hold, in pack order: the workflow's
    section order, then priority, then key (so the order never depends on storage order)."""
    section_rank = {section: rank for rank, section in enumerate(workflow.sections)}
    chosen = {
        s.key: s
        for s in statements
        if workflow.key in s.workflows
        and s.section in section_rank
        and evaluate(s.condition, answers, today)
    }
    return sorted(chosen.values(), key=lambda s: (section_rank[s.section], s.priority, s.key))


def check_bank(bank: dict[str, Any]) -> dict[str, list[str]]:
    """Problems in a statement bank file, keyed by ``statements.<key>`` / ``workflows.<key>``."""
    errors: dict[str, list[str]] = {}
    sections = {s["key"] for s in bank.get("sections", [])}
    workflows = {w["key"] for w in bank.get("workflows", [])}
    for workflow in bank.get("workflows", []):
        unknown = [s for s in workflow.get("sections", []) if s not in sections]
        if unknown:
            errors[f"workflows.{workflow['key']}"] = [f"unknown sections {unknown}"]
    seen: set[str] = set()
    for statement in bank.get("statements", []):
        key = statement.get("key", "?")
        problems = errors.setdefault(f"statements.{key}", [])
        if key in seen:
            problems.append("duplicate statement key")
        seen.add(key)
        if statement.get("section") not in sections:
            problems.append(f"unknown section {statement.get('section')!r}")
        unknown = [w for w in statement.get("workflows", []) if w not in workflows]
        if unknown or not statement.get("workflows"):
            problems.append(f"workflows must be a non-empty list of known workflows: {unknown}")
        for field in ("title", "body"):
            if not isinstance(statement.get(field), str) or not statement[field].strip():
                problems.append(f"{field} is required")
        try:
            check_condition(statement.get("when", True))
        except InvalidCondition as exc:
            problems.append(f"invalid condition at {exc.path}: {exc.message}")
    return {key: messages for key, messages in errors.items() if messages}
