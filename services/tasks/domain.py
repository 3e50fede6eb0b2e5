"""Task frameworks, lags and activation: pure logic, no nameko, no database.

Times are stored in UTC; calendar arithmetic (days, working days, months) happens on the
Europe/London wall clock so "14 working days after" lands on the same local time of day.
Working days skip weekends, the bank holidays of the council's nation and its own closure days
(``WorkingCalendar``).

A framework has two parts: the tasks a case starts with when it opens, and the tasks a statutory
duty starts with (``on_duty``), anchored to the day the duty began, which an officer may record
as earlier than the day the case moved (see ``duty_anchor``).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.tasks import events
from services.tasks.calendar import WorkingCalendar
from shared.aggregate import Aggregate, Change
from shared.envelope import Envelope
from shared.errors import Conflict

LONDON = ZoneInfo("Europe/London")
_DEFAULT_CALENDAR = WorkingCalendar()
UNITS = ("minutes", "hours", "days", "working_days", "weeks", "months")
LINK_TYPES = ("finish_to_start", "start_to_start")
# The owner rule of a task owned by whoever owns its case (the default).
CASE_OWNER = "case_owner"
# The statutory duties whose start begins a framework's duty part, keyed as the case stages are.
DUTIES = ("prevention", "relief")
# What a duty task without predecessors is anchored to: the first day of the duty's 56-day
# period, or the day after its last day (when the council may act on the period having run:
# s.195(8)(b) and s.189B(7)(b), or the relief duty has ended by itself, s.189B(4)).
ANCHORS = ("duty_start", "day_after")
# A duty's dates are days; its tasks are anchored at the start of the council's working day on
# them, so deadlines read as office times ("due Tuesday 09:00").
DUTY_DAY_STARTS = time(9, 0)
# Framework keys are prefixed on the case (duty and entry, or the workflow after a change):
# keep them short enough for the stored key.
MAX_KEY_LENGTH = 40

PENDING, ACTIVE, IN_PROGRESS, ON_HOLD = "pending", "active", "in_progress", "on_hold"
COMPLETED, CANCELLED = "completed", "cancelled"
STATUSES = (PENDING, ACTIVE, IN_PROGRESS, ON_HOLD, COMPLETED, CANCELLED)
OPEN_STATUSES = (ACTIVE, IN_PROGRESS)  # the statuses whose due, warning and escalation run
UNFINISHED = (PENDING, ACTIVE, IN_PROGRESS, ON_HOLD)

# What can happen to a task. Officers start, hold, release, complete, cancel and reassign; the
# service itself activates (when a task's time comes) and cancels (a workflow change, a duty
# ending).
ACTIVATE, START, HOLD, RELEASE = "activate", "start", "hold", "release"
COMPLETE, CANCEL, REASSIGN = "complete", "cancel", "reassign"
# Release returns a task to where it was before the hold: in progress if it had been started,
# active otherwise.
RESUMED = "resumed"


@dataclass(frozen=True)
class Transition:
    """The statuses an action may be taken from and the status it leads to (None: the status
    stays); ``refusal`` completes "it cannot be ..." when the task is elsewhere."""

    sources: tuple[str, ...]
    target: str | None
    refusal: str


# The task lifecycle, in one place: a move not listed here is refused.
TRANSITIONS: dict[str, Transition] = {
    ACTIVATE: Transition((PENDING,), ACTIVE, "activated"),
    START: Transition((ACTIVE,), IN_PROGRESS, "started"),
    HOLD: Transition(OPEN_STATUSES, ON_HOLD, "put on hold"),
    RELEASE: Transition((ON_HOLD,), RESUMED, "released"),
    COMPLETE: Transition(OPEN_STATUSES, COMPLETED, "completed"),
    CANCEL: Transition(UNFINISHED, CANCELLED, "cancelled"),
    REASSIGN: Transition(UNFINISHED, None, "reassigned"),
}


def check_transition(task_id: str, status: str, action: str) -> Transition:
    """The transition ``action`` takes from ``status``; ``Conflict`` naming the task, its status
    and the action when the table does not allow it."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise Conflict(f"task {task_id} is {status}: it cannot be {transition.refusal}")
    return transition


class TaskLifecycle(Aggregate):
    """The behaviour of a task (mixed into the stored ``Task``; nothing here knows the database):
    every change of status goes through ``TRANSITIONS``. Each method refuses an illegal move
    with ``Conflict`` before changing anything, and records what it changed (the task event
    and its audit entry, ``shared.aggregate``): the unit of work announces it."""

    id: str
    case_id: str
    correlation_id: str
    template_key: str
    revision: int
    status: str
    owner: str | None
    # Whether the owner follows the case's owner (the framework's ``case_owner`` rule) until an
    # officer reassigns the task by hand.
    follows_case_owner: bool
    started_at: datetime | None
    held_at: datetime | None
    hold_reason: str | None
    completed_at: datetime | None
    outcome: str | None
    cancel_reason: str | None
    activate_at: datetime | None
    activated_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None
    escalate_at: datetime | None

    def _move(self, action: str) -> dict[str, Any]:
        """Take ``action``'s transition; returns the status before it (the audit's before)."""
        before = {"status": self.status}
        transition = check_transition(self.id, self.status, action)
        if transition.target == RESUMED:
            self.status = IN_PROGRESS if self.started_at else ACTIVE
        elif transition.target is not None:
            self.status = transition.target
        return before

    def make_active(self, at: datetime, due: Deadlines) -> None:
        """Active from ``at`` with its deadlines. Announced by whoever made it active: as part
        of its creation, or by ``announce_activation`` when its time came."""
        self._move(ACTIVATE)
        self.activate_at, self.activated_at = at, at
        self.set_deadlines(due)

    def start(self, now: datetime, actor: str) -> None:
        before = self._move(START)
        self.started_at = now
        self._revised(events.TASK_STARTED, actor, before)

    def hold(self, now: datetime, reason: str, actor: str) -> None:
        """Stop the task's clock: while on hold it cannot become due, warned or escalated."""
        before = self._move(HOLD)
        self.held_at, self.hold_reason = now, reason
        self._revised(events.TASK_ON_HOLD, actor, before, reason=reason)

    def release(self, now: datetime, actor: str) -> timedelta:
        """Back to work; every deadline moves later by the time spent on hold (returned)."""
        held_since = self.held_at
        before = self._move(RELEASE)
        held_for = now - held_since
        self.due_at, self.warn_at, self.escalate_at = (
            moment + held_for if moment else None
            for moment in (self.due_at, self.warn_at, self.escalate_at)
        )
        self.held_at, self.hold_reason = None, None
        minutes = int(held_for.total_seconds() // 60)
        self._revised(events.TASK_RELEASED, actor, before, held_for_minutes=minutes)
        return held_for

    def complete(self, now: datetime, outcome: str, actor: str) -> None:
        before = self._move(COMPLETE)
        self.completed_at, self.outcome = now, outcome
        self._revised(events.TASK_COMPLETED, actor, before, outcome=outcome)

    def cancel(self, now: datetime, reason: str, actor: str) -> None:
        before = self._move(CANCEL)
        self.completed_at, self.cancel_reason = now, reason
        self._revised(events.TASK_CANCELLED, actor, before, reason=reason)

    def reassign(self, owner: str, actor: str) -> None:
        """An officer's choice of owner: the task stops following its case's owner."""
        self._move(REASSIGN)
        if self.owner == owner:
            raise Conflict(f"task {self.id} is already owned by {self.owner}")
        before = {"owner": self.owner}
        self.owner, self.follows_case_owner = owner, False
        self._revised(events.TASK_REASSIGNED, actor, before, owner=owner)

    def follow_case_owner(self, owner: str, actor: str, causation_id: str | None = None) -> bool:
        """The case was assigned to ``owner``: an unfinished task that still follows its case's
        owner takes it, announced as any reassignment is (``task.reassigned``). Returns whether
        the task changed; one that does not follow, is finished or has that owner already is
        left alone."""
        if not self.follows_case_owner or self.status not in UNFINISHED or self.owner == owner:
            return False
        before = {"owner": self.owner}
        self._move(REASSIGN)
        self.owner = owner
        self._revised(
            events.TASK_REASSIGNED,
            actor,
            before,
            causation_id=causation_id,
            owner=owner,
            follows="case_owner",
        )
        return True

    def reschedule(self, actor: str, before: dict[str, Any], starts_on: str) -> None:
        """Its dates moved with the day its duty began (set by the caller first)."""
        self._revised(events.TASK_RESCHEDULED, actor, before, starts_on=starts_on)

    def set_deadlines(self, due: Deadlines) -> None:
        self.due_at, self.warn_at, self.escalate_at = due.due_at, due.warn_at, due.escalate_at

    # --- What is announced without a new revision ---

    def announce_created(self, actor: str, causation_id: str | None = None, **after: Any) -> None:
        after = {"status": self.status, **after}
        self._announce(events.TASK_CREATED, actor, None, after, causation_id)

    def announce_activation(self, actor: str) -> None:
        """Its activation time came (the scan claimed the row and set it active)."""
        self._announce(events.TASK_ACTIVATED, actor, {"status": PENDING}, {"status": ACTIVE})

    def announce_alert(self, event_type: str, moment: str, actor: str) -> None:
        """A warning, overdue or escalation alert (claimed once, by the scan)."""
        self._announce(event_type, actor, None, {moment: getattr(self, moment).isoformat()})

    def note_scheduled(self, actor: str) -> None:
        """Its predecessors are far enough along: it now has an activation time (audited, not
        announced: ``task.activated`` says when it comes)."""
        after = {"activate_at": self.activate_at.isoformat()}
        self.record_change(self._change("task.scheduled", actor, None, after))

    def _revised(
        self,
        event_type: str,
        actor: str,
        before: dict[str, Any],
        causation_id: str | None = None,
        **after: Any,
    ) -> None:
        self.revision += 1
        self._announce(event_type, actor, before, {"status": self.status, **after}, causation_id)

    def _announce(
        self,
        event_type: str,
        actor: str,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        causation_id: str | None = None,
    ) -> None:
        event = events.task_event(event_type, self, causation_id=causation_id)
        self.record_change(self._change(event_type, actor, before, after, event, causation_id))

    def _change(
        self,
        action: str,
        actor: str,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        event: Envelope | None = None,
        causation_id: str | None = None,
    ) -> Change:
        return Change(
            actor=actor,
            entity_type="task",
            entity_id=self.id,
            case_id=self.case_id,
            correlation_id=self.correlation_id,
            causation_id=causation_id,
            before=before,
            after={"key": self.template_key, **after},
            event=event,
            action=action,
        )


def end_of_today(now: datetime) -> datetime:
    """Midnight at the end of ``now``'s day on the London wall clock (what "due today" means)."""
    tomorrow = now.astimezone(LONDON).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=LONDON)


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
    warn_before: Lag | None = None
    escalate_after: Lag | None = None
    # Duty tasks only: what an independent task is anchored to, and how long after it it starts.
    anchor: str | None = None
    anchor_lag: Lag | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> TaskTemplate:
        return cls(
            key=raw["key"],
            name=raw["name"],
            owner=raw.get("owner", CASE_OWNER),
            mandatory=bool(raw.get("mandatory", False)),
            customer_facing=bool(raw.get("customer_facing", False)),
            due_in=Lag.parse(raw.get("due_in")),
            warn_before=Lag.parse(raw["warn_before"]) if raw.get("warn_before") else None,
            escalate_after=Lag.parse(raw["escalate_after"]) if raw.get("escalate_after") else None,
            depends_on=tuple(
                Dependency(d["task"], d.get("type", "finish_to_start"), Lag.parse(d.get("lag")))
                for d in raw.get("depends_on", [])
            ),
            anchor=raw.get("anchor"),
            anchor_lag=Lag.parse(raw["anchor_lag"]) if raw.get("anchor_lag") else None,
        )


def add_lag(moment: datetime, lag: Lag, working: WorkingCalendar | None = None) -> datetime:
    """``moment`` (aware) plus ``lag``; returns UTC. Working days follow ``working`` (England
    and Wales bank holidays when none is given)."""
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
        day = min(local.day, monthrange(year, month)[1])
        local = local.replace(year=year, month=month, day=day)
    elif lag.unit == "working_days":
        working = working or _DEFAULT_CALENDAR
        remaining = lag.amount
        while remaining > 0:
            local = local + timedelta(days=1)
            if working.is_working_day(local.date()):
                remaining -= 1
    else:
        raise ValueError(f"unknown lag unit {lag.unit!r}")
    # Re-attach the zone so a DST change in between keeps the local time of day.
    return local.replace(tzinfo=None).replace(tzinfo=LONDON).astimezone(UTC)


def check_framework(raw_tasks: list[dict[str, Any]], duty_part: bool = False) -> list[str]:
    """Problems that make a framework's list of tasks unusable: unknown units or links, unknown
    predecessors, duplicate or overlong keys, dependency cycles; and for a duty part
    (``duty_part``), anchors that are unknown or given to a task that waits for predecessors.
    Anchors and ``outlives_duty`` belong to duty parts only: a case's opening tasks start when
    it opens and have no duty to outlive."""
    if not isinstance(raw_tasks, list) or not all(isinstance(t, dict) for t in raw_tasks):
        return ["a list of tasks, each a mapping with key and name"]
    problems: list[str] = []
    keys = [t.get("key") for t in raw_tasks]
    problems += [
        f"duplicate task key {k!r}" for k in sorted({str(k) for k in keys if keys.count(k) > 1})
    ]
    problems += [
        f"task key {k!r} is longer than {MAX_KEY_LENGTH} characters"
        for k in keys
        if isinstance(k, str) and len(k) > MAX_KEY_LENGTH
    ]
    try:
        templates = [TaskTemplate.parse(t) for t in raw_tasks]
    except (KeyError, TypeError, ValueError) as exc:
        return [*problems, f"malformed task: {exc}"]
    for raw, template in zip(raw_tasks, templates, strict=True):
        lags = [template.due_in] + [d.lag for d in template.depends_on]
        lags += [
            lag
            for lag in (template.warn_before, template.escalate_after, template.anchor_lag)
            if lag
        ]
        problems += [
            f"{template.key}: unknown unit {lag.unit!r}" for lag in lags if lag.unit not in UNITS
        ]
        problems += _duty_problems(raw, template, duty_part)
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


def _duty_problems(raw: dict[str, Any], template: TaskTemplate, duty_part: bool) -> list[str]:
    outlives = raw.get("outlives_duty")
    if outlives is not None and (not duty_part or not isinstance(outlives, bool)):
        return [f"{template.key}: outlives_duty is true or false, and for duty tasks only"]
    if template.anchor is None and template.anchor_lag is None:
        return []
    if not duty_part:
        return [f"{template.key}: anchor is for duty tasks (on_duty); opening tasks start at once"]
    if template.depends_on:
        return [f"{template.key}: a task that waits for predecessors cannot have an anchor too"]
    if (template.anchor or "duty_start") not in ANCHORS:
        return [f"{template.key}: unknown anchor {template.anchor!r} (one of {', '.join(ANCHORS)})"]
    return []


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


def activation_time(
    template: TaskTemplate, tasks: dict[str, TaskState], working: WorkingCalendar | None = None
) -> datetime | None:
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
        moments.append(add_lag(anchor, dependency.lag, working))
    return max(moments) if moments else None


def follows_case_owner(owner_rule: str) -> bool:
    """A task whose framework says ``case_owner`` is owned by whoever owns its case, now and
    whenever the case is assigned again (until an officer reassigns the task by hand)."""
    return owner_rule == CASE_OWNER


def initial_owner(owner_rule: str, case_owner: str | None = None) -> str | None:
    """``team:x`` and ``role:x`` name an owner now; ``case_owner`` is the case's owner as last
    announced (``case_owner``), or None while the case has not been assigned: the task takes
    one when it is (``TaskLifecycle.follow_case_owner``)."""
    return case_owner if follows_case_owner(owner_rule) else owner_rule


@dataclass(frozen=True)
class Deadlines:
    due_at: datetime
    warn_at: datetime | None
    escalate_at: datetime | None


def subtract_lag(moment: datetime, lag: Lag, working: WorkingCalendar | None = None) -> datetime:
    """``moment`` minus ``lag`` (for warnings before a due time)."""
    if lag.unit == "working_days":
        working = working or _DEFAULT_CALENDAR
        local, remaining = moment.astimezone(LONDON), lag.amount
        while remaining > 0:
            local = local - timedelta(days=1)
            if working.is_working_day(local.date()):
                remaining -= 1
        return local.replace(tzinfo=None).replace(tzinfo=LONDON).astimezone(UTC)
    return add_lag(moment, Lag(-lag.amount, lag.unit), working)


def deadlines(
    template: TaskTemplate, active_from: datetime, working: WorkingCalendar | None = None
) -> Deadlines:
    """Due from activation plus the duration; the warning that long before it; escalation that
    long after it."""
    due = add_lag(active_from, template.due_in, working)
    warn = subtract_lag(due, template.warn_before, working) if template.warn_before else None
    escalate = add_lag(due, template.escalate_after, working) if template.escalate_after else None
    return Deadlines(due, warn, escalate)


@dataclass(frozen=True)
class DutyClock:
    """The statutory period a duty stage began with, as the cases service announced it: the
    first day (the day the council was first satisfied, possibly backdated), the last day, and
    the day after it (None when the event did not say)."""

    duty: str
    starts_on: date
    due_on: date | None
    day_after: date | None


def duty_anchor(
    template: TaskTemplate, clock: DutyClock, working: WorkingCalendar | None = None
) -> datetime | None:
    """When an independent duty task starts: the start of the working day (London) on the day
    the duty began, or on the day after the period's last day, plus the task's anchor lag.
    Anchored to the duty's own dates, so a backdated duty start gives earlier dates. None for a
    task that waits for predecessors, or anchored to a day the clock does not give."""
    if template.depends_on:
        return None
    day = clock.starts_on if (template.anchor or "duty_start") == "duty_start" else clock.day_after
    if day is None:
        return None
    moment = datetime.combine(day, DUTY_DAY_STARTS, tzinfo=LONDON).astimezone(UTC)
    return add_lag(moment, template.anchor_lag, working) if template.anchor_lag else moment


def duty_task_key(duty: str, entry: int, key: str) -> str:
    """A duty task's key on the case: the duty and which time the case entered it, so a case
    that enters prevention again (reopened) gets a new set beside the cancelled one."""
    return f"{duty}_duty.{entry}.{key}"


def keyed_for_duty(definition: dict[str, Any], duty: str, entry: int) -> dict[str, Any]:
    """A duty part's task definition with its key and its links prefixed for this duty entry, so
    links resolve within the entry and never to another entry's or the opening tasks."""
    return {
        **definition,
        "key": duty_task_key(duty, entry, definition["key"]),
        "depends_on": [
            {**link, "task": duty_task_key(duty, entry, link["task"])}
            for link in definition.get("depends_on", [])
        ],
    }
