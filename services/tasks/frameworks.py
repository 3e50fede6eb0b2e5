"""Task framework documents: parsed, checked and chosen by nation and date. Pure: no nameko, no
database.

A framework is law-dependent content (a PHP under s.189A, a decision at the end of the 56 days
under s.195(8) or s.189B) and so names the nations whose law it follows and the days it is in
force. A change of law is a new dated edition of the framework, never an edit of the old one:
the edition in force for a case's nation on the day that matters (the case opening for its
opening tasks; the day a duty began for that duty's tasks) is the one used.

    frameworks:
      prevention:                      # a workflow key
        nations: [england]
        effective_from: 2018-04-03
        effective_to: null             # optional: the last day in force
        tasks: [...]                   # started when the case opens
        on_duty:                       # started when the case's duty begins
          prevention: [...]
          relief: [...]

A workflow may instead list several editions (``prevention: [{nations, effective_from, ...},
...]``). Where two editions are in force for one nation on one day, the one that began later
applies: a council can add its own edition from a date without ending the shipped one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.tasks.domain import DUTIES, check_framework
from shared import law
from shared.errors import ValidationFailed

EDITION_FIELDS = ("nations", "effective_from", "effective_to", "tasks", "on_duty")


@dataclass(frozen=True)
class FrameworkEdition:
    workflow: str
    nations: tuple[str, ...]
    effective_from: date
    effective_to: date | None
    tasks: list[dict[str, Any]]
    on_duty: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable identity of the edition: loading it again updates it in place (a new version
        of the same edition), while a different date or set of nations is another edition."""
        return f"{self.workflow}/{'+'.join(sorted(self.nations))}/{self.effective_from}"

    def in_force(self, nation: str, on: date) -> bool:
        return (
            nation in self.nations
            and self.effective_from <= on
            and (self.effective_to is None or on <= self.effective_to)
        )


def edition_in_force(
    editions: list[FrameworkEdition], nation: str, on: date
) -> FrameworkEdition | None:
    """Of the editions in force for ``nation`` on ``on``, the one that began last."""
    candidates = [e for e in editions if e.in_force(nation, on)]
    return max(candidates, key=lambda e: (e.effective_from, e.key)) if candidates else None


def parse_document(document: Any) -> list[FrameworkEdition]:
    """Every edition in a framework document, checked. Raises ``ValidationFailed`` naming each
    field that is wrong (``frameworks.<workflow>.nations``, ``...effective_to``,
    ``...tasks``, ``...on_duty.relief``; ``frameworks.<workflow>.<n>.…`` for a listed edition)
    and stores nothing unless all of it is right."""
    if not isinstance(document, dict) or not isinstance(document.get("frameworks"), dict):
        raise ValidationFailed(
            {"frameworks": ["the document needs frameworks: {workflow: {nations, ...}}"]},
            "task frameworks are invalid",
        )
    problems: dict[str, list[str]] = {}
    editions: list[FrameworkEdition] = []
    for workflow, raw in document["frameworks"].items():
        path = f"frameworks.{workflow}"
        if not isinstance(workflow, str) or not workflow or len(workflow) > 50:
            problems[path] = ["a workflow key of 1 to 50 characters"]
            continue
        listed = _listed_editions(raw)
        if listed is None:
            problems[path] = [
                "a framework names its nations, effective_from and tasks (and on_duty): a plain "
                "list of tasks does not say which nation's law it follows or from when"
            ]
            continue
        parsed = []
        for index, edition in enumerate(listed):
            where = path if isinstance(raw, dict) else f"{path}.{index}"
            found = _parse_edition(workflow, edition, where, problems)
            if found is not None:
                parsed.append((where, found))
        _check_no_twins(parsed, problems)
        editions += [edition for _, edition in parsed]
    if problems:
        raise ValidationFailed(problems, "task frameworks are invalid")
    return editions


def _listed_editions(raw: Any) -> list[dict[str, Any]] | None:
    if isinstance(raw, dict):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(e, dict) and "tasks" in e for e in raw):
        return raw
    return None


def _parse_edition(
    workflow: str, raw: dict[str, Any], path: str, problems: dict[str, list[str]]
) -> FrameworkEdition | None:
    before = len(problems)
    for unknown in sorted(set(raw) - set(EDITION_FIELDS), key=str):
        problems[f"{path}.{unknown}"] = [f"unknown field (known: {', '.join(EDITION_FIELDS)})"]
    nations = _nations(raw.get("nations"), f"{path}.nations", problems)
    starts = _day(raw.get("effective_from"), f"{path}.effective_from", problems, required=True)
    ends = _day(raw.get("effective_to"), f"{path}.effective_to", problems, required=False)
    if starts and ends and ends < starts:
        problems[f"{path}.effective_to"] = [
            f"{ends.isoformat()} is before effective_from ({starts.isoformat()})"
        ]
    tasks = raw.get("tasks")
    if tasks is None:
        problems[f"{path}.tasks"] = ["required: the tasks a case starts with (may be empty)"]
    elif errors := check_framework(tasks):
        problems[f"{path}.tasks"] = errors
    on_duty = raw.get("on_duty") or {}
    if not isinstance(on_duty, dict):
        problems[f"{path}.on_duty"] = [f"a mapping of duty ({', '.join(DUTIES)}) to tasks"]
        on_duty = {}
    for duty, duty_tasks in on_duty.items():
        if duty not in DUTIES:
            problems[f"{path}.on_duty.{duty}"] = [f"unknown duty (one of {', '.join(DUTIES)})"]
        elif errors := check_framework(duty_tasks, duty_part=True):
            problems[f"{path}.on_duty.{duty}"] = errors
    if len(problems) > before or nations is None or starts is None:
        return None
    return FrameworkEdition(workflow, nations, starts, ends, tasks, dict(on_duty))


def _nations(raw: Any, path: str, problems: dict[str, list[str]]) -> tuple[str, ...] | None:
    if not isinstance(raw, list) or not raw:
        problems[path] = [f"required: a list of nations ({', '.join(law.NATIONS)})"]
        return None
    found: list[str] = []
    for value in raw:
        if not isinstance(value, str) or not value.strip():
            problems.setdefault(path, []).append(f"{value!r} is not a nation")
            continue
        try:
            nation = law.council_nation(value)
        except law.UnknownNation as unknown:
            problems.setdefault(path, []).append(str(unknown))
            continue
        if nation in found:
            problems.setdefault(path, []).append(f"{nation} is named twice")
        found.append(nation)
    return None if path in problems else tuple(found)


def _day(raw: Any, path: str, problems: dict[str, list[str]], required: bool) -> date | None:
    if raw is None:
        if required:
            problems[path] = ["required: the first day in force (YYYY-MM-DD)"]
        return None
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        problems[path] = [f"{raw!r} is not a date (YYYY-MM-DD)"]
        return None


def _check_no_twins(
    parsed: list[tuple[str, FrameworkEdition]], problems: dict[str, list[str]]
) -> None:
    """Two editions of one workflow beginning on the same day for the same nation leave no way
    to choose between them."""
    for index, (where, edition) in enumerate(parsed):
        for _, earlier in parsed[:index]:
            shared = set(edition.nations) & set(earlier.nations)
            if shared and edition.effective_from == earlier.effective_from:
                problems[f"{where}.effective_from"] = [
                    f"another edition for {', '.join(sorted(shared))} begins on the same day"
                ]
