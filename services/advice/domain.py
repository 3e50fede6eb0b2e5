"""Choosing advice: pure functions over the statement bank. No nameko, no database.

The bank is compiled once per bank version (``CompiledBank``): every statement's condition
becomes a closure (``shared.rules.compile_condition``), and statements are indexed per workflow by
their most selective required equality, so a match only evaluates the statements that could
possibly apply to these answers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from shared.rules import (
    InvalidCondition,
    Predicate,
    check_against_questions,
    check_condition,
    compile_condition,
    equality_pairs,
    explain,
    index_alternatives,
    required_equalities,
    without_equalities,
)

# Bodies are rendered by the documents service; here they are only parsed, to refuse broken ones.
_TEMPLATE_SYNTAX = SandboxedEnvironment()


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
    effective_from: date | None = None
    effective_to: date | None = None

    def in_effect(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )


@dataclass(frozen=True)
class WorkflowDefinition:
    key: str
    title: str
    sections: tuple[str, ...]


@dataclass(slots=True)
class _Entry:
    statement: StatementVersion
    predicate: Predicate
    rank: tuple[int, int, str]
    order: int = 0  # position in pack order among the workflow's statements


_ORDER = attrgetter("order")


Candidate = tuple[Predicate, "_Entry"]


@dataclass
class _Bucket:
    """Statements reachable from one (question, value) answer: those that need only it; those
    that need it or another answer (an any or in over several questions, which a match may
    reach twice); and, by a second required answer, those that need it together with another."""

    single: list[Candidate] = field(default_factory=list)
    shared: list[Candidate] = field(default_factory=list)
    then: dict[str, dict[Any, list[Candidate]]] = field(default_factory=dict)


@dataclass
class _WorkflowIndex:
    always: list[Candidate] = field(default_factory=list)
    by_answer: dict[tuple[str, Any], _Bucket] = field(default_factory=dict)
    entries: list[_Entry] = field(default_factory=list)

    def finish(self) -> None:
        for order, entry in enumerate(sorted(self.entries, key=lambda e: e.rank)):
            entry.order = order

    def add(self, statement: StatementVersion, rank: tuple, frequency: Counter) -> None:
        condition = statement.condition
        rarest: dict[str, tuple[str, Any]] = {}
        for pair in sorted(_hashable(required_equalities(condition)), key=frequency.__getitem__):
            rarest.setdefault(pair[0], pair)
        required = sorted(rarest.values(), key=frequency.__getitem__)
        if len(required) >= 2:
            first, (key, value) = required[0], required[1]
            # Reached only through both answers, so only the rest of the condition is checked.
            candidate = self._candidate(
                statement, rank, without_equalities(condition, {first, (key, value)})
            )
            bucket = self.by_answer.setdefault(first, _Bucket())
            bucket.then.setdefault(key, {}).setdefault(value, []).append(candidate)
            return
        candidate = self._candidate(statement, rank, condition)
        pairs = index_alternatives(condition, frequency.__getitem__)
        if pairs is None or len(_hashable(pairs)) != len(pairs):
            self.always.append(candidate)
            return
        distinct = set(pairs)
        several_questions = len({question for question, _ in distinct}) > 1
        for pair in distinct:
            bucket = self.by_answer.setdefault(pair, _Bucket())
            (bucket.shared if several_questions else bucket.single).append(candidate)

    def _candidate(self, statement: StatementVersion, rank: tuple, condition: Any) -> Candidate:
        entry = _Entry(statement, compile_condition(condition), rank)
        self.entries.append(entry)
        check = entry.predicate
        if statement.effective_from is not None or statement.effective_to is not None:
            in_effect = statement.in_effect
            check = lambda answers, on: in_effect(on) and entry.predicate(answers, on)  # noqa: E731
        return check, entry


class CompiledBank:
    """The statement bank ready for matching. Build once per bank version; share freely (it is
    never mutated after construction)."""

    def __init__(
        self, statements: list[StatementVersion], workflows: list[WorkflowDefinition]
    ) -> None:
        self.workflows = {w.key: w for w in workflows}
        self.statements = {s.key: s for s in statements}
        # How many statements name each (question, value): the rarer, the more selective.
        frequency = Counter(
            pair for s in statements for pair in _hashable(equality_pairs(s.condition))
        )
        self._indexes: dict[str, _WorkflowIndex] = {}
        for workflow in workflows:
            rank_of = {section: rank for rank, section in enumerate(workflow.sections)}
            index = _WorkflowIndex()
            for statement in statements:
                if workflow.key not in statement.workflows or statement.section not in rank_of:
                    continue
                rank = (rank_of[statement.section], statement.priority, statement.key)
                index.add(statement, rank, frequency)
            index.finish()
            self._indexes[workflow.key] = index

    def match(self, workflow: str, answers: dict[str, Any], on: date) -> list[StatementVersion]:
        """The statements that apply, in pack order (section order of the workflow, then
        priority, then key), each once."""
        index = self._indexes.get(workflow)
        if index is None:
            raise KeyError(workflow)
        candidates = list(index.always)
        shared: list[Candidate] = []
        by_answer = index.by_answer
        for pair in answers.items():
            try:
                bucket = by_answer.get(pair)
            except TypeError:  # a list answer is never equal to an indexed scalar
                continue
            if bucket is None:
                continue
            candidates += bucket.single
            shared += bucket.shared
            for key, by_value in bucket.then.items():
                try:
                    found = by_value.get(answers.get(key))
                except TypeError:
                    continue
                if found:
                    candidates += found
        if shared:
            candidates += {id(candidate[1]): candidate for candidate in shared}.values()
        chosen = [entry for check, entry in candidates if check(answers, on)]
        chosen.sort(key=_ORDER)
        return [entry.statement for entry in chosen]

    def why(
        self, statement_key: str, workflow: str, answers: dict[str, Any], on: date
    ) -> dict[str, Any]:
        """For officers: is this statement chosen for these answers, and why (not)."""
        statement = self.statements.get(statement_key)
        if statement is None:
            raise KeyError(statement_key)
        definition = self.workflows.get(workflow)
        if definition is None:
            raise KeyError(workflow)
        checks = {
            "eligible_for_workflow": workflow in statement.workflows,
            "section_in_workflow": statement.section in definition.sections,
            "in_effect": statement.in_effect(on),
        }
        reasons = explain(statement.condition, answers, on)
        chosen = all(checks.values()) and reasons["held"]
        return {
            "key": statement.key,
            "version": statement.version,
            "chosen": chosen,
            **checks,
            "condition": reasons,
        }


def _hashable(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The pairs usable as dictionary keys (an option value could in theory be a list)."""
    usable = []
    for pair in pairs:
        try:
            hash(pair)
        except TypeError:
            continue
        usable.append(pair)
    return usable


def reasons_for(statement: StatementVersion, answers: dict[str, Any], on: date) -> list[dict]:
    """The leaf conditions that held for a chosen statement, each with the answer it used:
    the short 'why' carried in ``advice.matched``. A statement for every case has none."""
    held: list[dict] = []

    def collect(node: dict[str, Any]) -> None:
        if not node["held"]:
            return
        if "question" in node:
            held.append(
                {
                    key: node[key]
                    for key in ("path", "operator", "question", "answer", "expected")
                    if key in node
                }
            )
        for child in node.get("conditions", []):
            if node["operator"] != "not":
                collect(child)

    collect(explain(statement.condition, answers, on))
    return held


def check_bank(
    bank: dict[str, Any], questions: dict[str, dict[str, Any]] | None = None
) -> dict[str, list[str]]:
    """Problems in a statement bank, keyed by ``statements.<key>`` / ``workflows.<key>``. With
    ``questions`` (the question template, by key) conditions are checked against it too: unknown
    questions, type mismatches and impossible option values, each with the path of the node."""
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
        problems.extend(check_statement(statement, sections, workflows, questions))
    return {key: messages for key, messages in errors.items() if messages}


def check_statement(
    statement: dict[str, Any],
    sections: set[str],
    workflows: set[str],
    questions: dict[str, dict[str, Any]] | None,
) -> list[str]:
    problems = []
    if statement.get("section") not in sections:
        problems.append(f"unknown section {statement.get('section')!r}")
    unknown = [w for w in statement.get("workflows", []) if w not in workflows]
    if unknown or not statement.get("workflows"):
        problems.append(f"workflows must be a non-empty list of known workflows: {unknown}")
    for name in ("title", "body"):
        if not isinstance(statement.get(name), str) or not statement[name].strip():
            problems.append(f"{name} is required")
    if isinstance(statement.get("body"), str):
        try:
            _TEMPLATE_SYNTAX.parse(statement["body"])
        except TemplateSyntaxError as exc:
            problems.append(f"body is not a valid template (line {exc.lineno}): {exc.message}")
    if not isinstance(statement.get("priority", 100), int):
        problems.append("priority must be a whole number")
    start, end = statement.get("effective_from"), statement.get("effective_to")
    for name, value in (("effective_from", start), ("effective_to", end)):
        if value is not None and not isinstance(value, date):
            problems.append(f"{name} must be a date (YYYY-MM-DD)")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        problems.append("effective_to is before effective_from")
    condition = statement.get("when", True)
    try:
        check_condition(condition)
    except InvalidCondition as exc:
        return [*problems, f"invalid condition at {exc.path}: {exc.message}"]
    if questions is not None:
        problems += [
            f"condition at {p}: {m}" for p, m in check_against_questions(condition, questions)
        ]
    return problems
