"""Choosing advice: pure functions over the statement bank. No nameko, no database.

The bank is compiled once per bank version (``CompiledBank``): every statement's condition
becomes a closure (``shared.rules.compile_condition``), and statements are indexed per nation and
workflow by their most selective required equality, so a match only evaluates the statements that
could possibly apply to these answers, and never sees one written for another nation's law.

One statement never spoils the others. A stored statement whose condition or body fails today's
checks (one saved before them) is not compiled; a condition that raises while judged is caught.
Either way the statement is left out and reported as a ``Failure`` (key, version, reason: never
the answers), and the rest of the match goes out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from services.advice.bodies import body_problems
from shared.law import DERIVED_FACTS, NATIONS, UnknownNation
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
    # Law differs by nation and changes by date: a statement names both, and its source.
    nations: tuple[str, ...]
    effective_from: date | None = None
    effective_to: date | None = None
    source: str = ""
    reviewed_on: date | None = None

    def in_effect(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )


@dataclass(frozen=True)
class Failure:
    """A statement left out because it could not be judged. ``reason`` describes the statement
    (a refused condition or body, or the type of error its condition raised), never the answers."""

    key: str
    version: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "version": self.version, "reason": self.reason}


@dataclass(frozen=True)
class Selection:
    """What a match chose, in pack order, and the statements it could not judge, by key."""

    statements: list[StatementVersion]
    failed: list[Failure]


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
    # Statements of this nation and workflow that could not be compiled: reported, never judged.
    refused: list[StatementVersion] = field(default_factory=list)

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
        # Stored statements that today's checks refuse (saved before them): never compiled.
        self.refused = {
            s.key: Failure(s.key, s.version, reason)
            for s in statements
            if (reason := refusal(s)) is not None
        }
        usable = [s for s in statements if s.key not in self.refused]
        # How many statements name each (question, value): the rarer, the more selective.
        frequency = Counter(pair for s in usable for pair in _hashable(equality_pairs(s.condition)))
        # One index per nation and workflow: a statement is filed only under its own nations, so
        # excluding another nation's law costs a match nothing.
        self._indexes: dict[tuple[str, str], _WorkflowIndex] = {}
        for nation in NATIONS:
            for workflow in workflows:
                rank_of = {section: rank for rank, section in enumerate(workflow.sections)}
                index = _WorkflowIndex()
                for statement in statements:
                    if (
                        nation not in statement.nations
                        or workflow.key not in statement.workflows
                        or statement.section not in rank_of
                    ):
                        continue
                    if statement.key in self.refused:
                        index.refused.append(statement)
                        continue
                    rank = (rank_of[statement.section], statement.priority, statement.key)
                    index.add(statement, rank, frequency)
                index.finish()
                self._indexes[(nation, workflow.key)] = index

    def match(
        self, workflow: str, facts: dict[str, Any], on: date, nation: str
    ) -> list[StatementVersion]:
        """The statements for ``nation`` in effect ``on`` whose conditions hold for ``facts``
        (the answers and the derived facts), in pack order (section order of the workflow, then
        priority, then key), each once. ``UnknownNation`` or ``KeyError(workflow)`` otherwise.
        Statements that could not be judged are left out (``select`` reports them)."""
        return self.select(workflow, facts, on, nation).statements

    def select(self, workflow: str, facts: dict[str, Any], on: date, nation: str) -> Selection:
        """``match``, with the statements of this nation and workflow in effect ``on`` that
        could not be judged: refused when compiled, or whose condition raised."""
        index = self._index(nation, workflow)
        failed = [self.refused[s.key] for s in index.refused if s.in_effect(on)]
        candidates = list(index.always)
        shared: list[Candidate] = []
        by_answer = index.by_answer
        for pair in facts.items():
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
                    found = by_value.get(facts.get(key))
                except TypeError:
                    continue
                if found:
                    candidates += found
        if shared:
            candidates += {id(candidate[1]): candidate for candidate in shared}.values()
        try:
            chosen = [entry for check, entry in candidates if check(facts, on)]
        except Exception:  # noqa: BLE001 - found again, by statement, below
            chosen = []
            for check, entry in candidates:
                try:
                    if check(facts, on):
                        chosen.append(entry)
                except Exception as error:  # noqa: BLE001 - reported, the others go out
                    failed.append(_raised(entry.statement, "condition", error))
        chosen.sort(key=_ORDER)
        return Selection([entry.statement for entry in chosen], _by_key(failed))

    def _index(self, nation: str, workflow: str) -> _WorkflowIndex:
        index = self._indexes.get((nation, workflow))
        if index is None:
            if nation not in NATIONS:
                raise UnknownNation(nation)
            raise KeyError(workflow)
        return index

    def why(
        self, statement_key: str, workflow: str, facts: dict[str, Any], on: date, nation: str
    ) -> dict[str, Any]:
        """For officers: is this statement chosen for these facts, and why (not)."""
        statement = self.statements.get(statement_key)
        if statement is None:
            raise KeyError(statement_key)
        self._index(nation, workflow)
        definition = self.workflows[workflow]
        checks = {
            "eligible_for_workflow": workflow in statement.workflows,
            "section_in_workflow": statement.section in definition.sections,
            "for_nation": nation in statement.nations,
            "in_effect": statement.in_effect(on),
        }
        failure = self.refused.get(statement_key)
        reasons = dict(FAILED_CONDITION)
        if failure is None:
            try:
                reasons = explain(statement.condition, facts, on)
            except Exception as error:  # noqa: BLE001 - reported in the answer instead
                failure = _raised(statement, "condition", error)
        chosen = all(checks.values()) and failure is None and reasons["held"]
        return {
            "key": statement.key,
            "version": statement.version,
            "chosen": chosen,
            **checks,
            "nations": list(statement.nations),
            "effective_from": _iso(statement.effective_from),
            "effective_to": _iso(statement.effective_to),
            "condition": reasons,
            "failed": None if failure is None else failure.reason,
        }


# What ``why`` shows as the condition of a statement that could not be judged.
FAILED_CONDITION: dict[str, Any] = {"path": "$", "operator": "failed", "held": False}


class _Unreadable:
    def __repr__(self) -> str:
        return "UNREADABLE_CONDITION"


# A stored condition the JSON decoder gave up on (nested beyond its recursion limit).
UNREADABLE_CONDITION: Any = _Unreadable()


def refusal(statement: StatementVersion) -> str | None:
    """Why a stored statement cannot be matched today, or None. Saving checks the same, so only
    a statement stored before these checks (or written to the database directly) is refused."""
    if statement.condition is UNREADABLE_CONDITION:
        return "condition refused: it cannot be read (nested too deeply)"
    try:
        check_condition(statement.condition)
    except InvalidCondition as exc:
        return f"condition refused at {exc.path}: {exc.message}"
    problems = body_problems(statement.body) if isinstance(statement.body, str) else ["no text"]
    if problems:
        return f"body refused: {problems[0]}"
    return None


def with_reasons(
    selection: Selection, facts: dict[str, Any], on: date
) -> tuple[list[tuple[StatementVersion, list[dict]]], list[Failure]]:
    """Each chosen statement with its ``reasons_for``; a statement whose reasons cannot be
    worked out joins the failed ones instead of failing the match."""
    explained, failed = [], list(selection.failed)
    for statement in selection.statements:
        try:
            explained.append((statement, reasons_for(statement, facts, on)))
        except Exception as error:  # noqa: BLE001 - reported, the others go out
            failed.append(_raised(statement, "reasons", error))
    return explained, _by_key(failed)


def _raised(statement: StatementVersion, what: str, error: Exception) -> Failure:
    # The type only: an exception's message may quote an answer.
    return Failure(statement.key, statement.version, f"{what} raised {type(error).__name__}")


def _by_key(failed: list[Failure]) -> list[Failure]:
    return sorted({f.key: f for f in failed}.values(), key=attrgetter("key"))


def match_facts(answers: dict[str, Any], derived: dict[str, Any]) -> dict[str, Any]:
    """What statement conditions see: the answers and the facts derived from them (the notice
    check), the derived ones winning, as triage sees them."""
    return {**answers, **derived}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


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
    bank: dict[str, Any], questions: dict[str, dict[str, Any]] | None, today: date
) -> dict[str, list[str]]:
    """Problems in a statement bank, keyed by the field at fault: ``statement[<key>].<field>``
    or ``workflow[<key>].sections``. With ``questions`` (the question template, by key)
    conditions are checked against it and the derived facts too: unknown questions, type
    mismatches and impossible option values, each with the path of the node."""
    errors: dict[str, list[str]] = {}
    sections = {s["key"] for s in bank.get("sections", [])}
    workflows = {w["key"] for w in bank.get("workflows", [])}
    for workflow in bank.get("workflows", []):
        unknown = [s for s in workflow.get("sections", []) if s not in sections]
        if unknown:
            errors[f"workflow[{workflow['key']}].sections"] = [f"unknown sections {unknown}"]
    seen: set[str] = set()
    for statement in bank.get("statements", []):
        key = statement.get("key", "?")
        problems = check_statement(statement, sections, workflows, questions, today)
        if key in seen:
            problems.setdefault("key", []).append("duplicate statement key")
        seen.add(key)
        errors.update(statement_errors(key, problems))
    return errors


def statement_errors(key: str, problems: dict[str, list[str]]) -> dict[str, list[str]]:
    """``check_statement``'s problems named as fields of the statement, for a ValidationFailed."""
    return {f"statement[{key}].{name}": messages for name, messages in problems.items()}


def check_statement(
    statement: dict[str, Any],
    sections: set[str],
    workflows: set[str],
    questions: dict[str, dict[str, Any]] | None,
    today: date,
) -> dict[str, list[str]]:
    """Problems of one statement (as in a bank file), by field; empty when it may be stored."""
    problems: dict[str, list[str]] = {}

    def problem(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if statement.get("section") not in sections:
        problem("section", f"unknown section {statement.get('section')!r}")
    unknown = [w for w in statement.get("workflows") or [] if w not in workflows]
    if unknown or not statement.get("workflows"):
        problem("workflows", f"workflows must be a non-empty list of known workflows: {unknown}")
    for name in ("title", "body"):
        if not isinstance(statement.get(name), str) or not statement[name].strip():
            problem(name, f"{name} is required")
    if isinstance(statement.get("body"), str):
        # Placeholders may name what conditions may: the questions and the derived facts.
        keys = None if questions is None else {*questions, *DERIVED_FACTS}
        for message in body_problems(statement["body"], keys):
            problem("body", message)
    if not isinstance(statement.get("priority", 100), int):
        problem("priority", "priority must be a whole number")
    for name, message in _law_problems(statement, today):
        problem(name, message)
    condition = statement.get("when", True)
    try:
        check_condition(condition)
    except InvalidCondition as exc:
        problem("when", f"invalid condition at {exc.path}: {exc.message}")
        return problems
    if questions is not None:
        facts = {**questions, **DERIVED_FACTS}
        for path, message in check_against_questions(condition, facts):
            problem("when", f"condition at {path}: {message}")
    return problems


def _law_problems(statement: dict[str, Any], today: date) -> list[tuple[str, str]]:
    """What ties a statement to the law it states: its nations, the dates it holds for, its
    source and when that source was last checked."""
    problems = []
    start, end = statement.get("effective_from"), statement.get("effective_to")
    for name, value in (("effective_from", start), ("effective_to", end)):
        if value is not None and not _is_date(value):
            problems.append((name, f"{name} must be a date (YYYY-MM-DD)"))
    if _is_date(start) and _is_date(end) and end < start:
        problems.append(("effective_to", "effective_to is before effective_from"))
    source = statement.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(("source", "a statement must cite its source: a citation or a URL"))
    reviewed_on = statement.get("reviewed_on")
    if not _is_date(reviewed_on):
        problems.append(("reviewed_on", "the date the source was last checked (YYYY-MM-DD)"))
    elif reviewed_on > today:
        problems.append(("reviewed_on", f"reviewed_on {reviewed_on} is after today ({today})"))
    nations = statement.get("nations")
    if not isinstance(nations, list | tuple) or not nations:
        problems.append(("nations", f"nations must be a non-empty list of {list(NATIONS)}"))
    else:
        unknown = [n for n in nations if n not in NATIONS]
        if unknown:
            problems.append(("nations", f"unknown nations {unknown}: use {list(NATIONS)}"))
        elif len(set(nations)) != len(nations):
            problems.append(("nations", "a nation is listed twice"))
    return problems


def _is_date(value: Any) -> bool:
    # A datetime is a date too, but a statement holds for whole days.
    return isinstance(value, date) and not isinstance(value, datetime)
