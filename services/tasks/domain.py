"""Task frameworks, lags and activation: pure logic, no nameko, no database.

Times are stored in UTC; calendar arithmetic (days, working days, months) happens on the
Europe/London wall clock so "14 working days after" lands on the same local time of day.
Working days skip Saturdays and Sundays; bank holidays are not yet excluded.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UNITS = ("minutes", "hours", "days", "working_days", "weeks", "months")
LINK_TYPES = ("finish_to_start", "start_to_start")

PENDING, ACTIVE, COMPLETED = "pending", "active", "completed"


@dataclass(frozen=True)
class Lag:
    amount: int
    unit: str

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> Lag:
        return cls(0, "minutes") if not raw else cls(int(raw["amount"]), raw["unit"])


@dataclass(frozen=True)
class Dependency:
    task: str
    type: str
    lag: Lag


@dataclass(frozen=True)
class TaskTemplate:
    key: str
    name: str
    owner: str
    mandatory: bool
    customer_facing: bool
    due_in: Lag
    depends_on: tuple[Dependency, ...]

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> TaskTemplate:
        return cls(
            key=raw["key"],
            name=raw["name"],
            owner=raw.get("owner", "case_owner"),
            mandatory=bool(raw.get("mandatory", False)),
            customer_facing=bool(raw.get("customer_facing", False)),
            due_in=Lag.parse(raw.get("due_in")),
            depends_on=tuple(
                Dependency(d["task"], d.get("type", "finish_to_start"), Lag.parse(d.get("lag")))
                for d in raw.get("depends_on", [])
            ),
        )


def add_lag(moment: datetime, lag: Lag) -> datetime:
    """``moment`` (aware) plus ``lag``; returns UTC."""
    if lag.unit == "minutes":
        return (moment + timedelta(minutes=lag.amount)).astimezone(UTC)
    if lag.unit == "hours":
        return (moment + timedelta(hours=lag.amount)).astimezone(UTC)
    local = moment.astimezone(LONDON)
    if lag.unit == "days":
        local = local + timedelta(days=lag.amount)
    elif lag.unit == "weeks":
        local = local + timedelta(weeks=lag.amount)
    elif lag.unit == "months":
        month_index = local.month - 1 + lag.amount
        year, month = local.year + month_index // 12, month_index % 12 + 1
        day = min(local.day, calendar.monthrange(year, month)[1])
        local = local.replace(year=year, month=month, day=day)
    elif lag.unit == "working_days":
        remaining = lag.amount
        while remaining > 0:
            local = local + timedelta(days=1)
            if local.weekday() < 5:
                remaining -= 1
    else:
        raise ValueError(f"unknown lag unit {lag.unit!r}")
    # Re-attach the zone so a DST change in between keeps the local time of day.
    return local.replace(tzinfo=None).replace(tzinfo=LONDON).astimezone(UTC)


def check_framework(raw_tasks: list[dict[str, Any]]) -> list[str]:
    """Problems that make a framework unusable: unknown units or links, unknown predecessors,
    duplicate keys, dependency cycles."""
    problems: list[str] = []
    keys = [t.get("key") for t in raw_tasks]
    problems += [f"duplicate task key {k!r}" for k in {k for k in keys if keys.count(k) > 1}]
    try:
        templates = [TaskTemplate.parse(t) for t in raw_tasks]
    except (KeyError, TypeError, ValueError) as exc:
        return [*problems, f"malformed task: {exc}"]
    for template in templates:
        lags = [template.due_in] + [d.lag for d in template.depends_on]
        problems += [
            f"{template.key}: unknown unit {lag.unit!r}" for lag in lags if lag.unit not in UNITS
        ]
        for dependency in template.depends_on:
            if dependency.task not in keys:
                problems.append(f"{template.key}: depends on unknown task {dependency.task!r}")
            if dependency.type not in LINK_TYPES:
                problems.append(f"{template.key}: unknown link type {dependency.type!r}")
    if not problems:
        cycle = find_cycle(templates)
        if cycle:
            problems.append("dependency cycle: " + " -> ".join(cycle))
    return problems


def find_cycle(templates: list[TaskTemplate]) -> list[str] | None:
    successors = {t.key: [d.task for d in t.depends_on] for t in templates}
    state: dict[str, str] = {}

    def visit(key: str, path: list[str]) -> list[str] | None:
        state[key] = "visiting"
        for nxt in successors.get(key, []):
            if state.get(nxt) == "visiting":
                return [*path[path.index(nxt) :], nxt] if nxt in path else [key, nxt]
            if nxt not in state:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[key] = "done"
        return None

    for key in successors:
        if key not in state:
            found = visit(key, [key])
            if found:
                return found
    return None


@dataclass(frozen=True)
class TaskState:
    """What activation needs to know of a task already on the case."""

    key: str
    status: str
    activated_at: datetime | None
    completed_at: datetime | None


def activation_time(template: TaskTemplate, tasks: dict[str, TaskState]) -> datetime | None:
    """When a dependent task becomes active: the latest of its predecessors' finish (or start,
    for start-to-start) plus lag; None while any predecessor has not reached that point."""
    moments = []
    for dependency in template.depends_on:
        predecessor = tasks.get(dependency.task)
        if predecessor is None:
            return None
        anchor = (
            predecessor.completed_at
            if dependency.type == "finish_to_start"
            else predecessor.activated_at
        )
        if anchor is None:
            return None
        moments.append(add_lag(anchor, dependency.lag))
    return max(moments) if moments else None


def initial_owner(owner_rule: str) -> str | None:
    """``team:x`` and ``role:x`` name an owner now; ``case_owner`` follows the case's owner,
    which a case does not have until it is assigned."""
    return None if owner_rule == "case_owner" else owner_rule
