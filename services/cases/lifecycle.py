"""The case lifecycle: stages, the transitions between them, and the statutory clocks each stage
starts. Pure rules: no nameko, no database. Dates are England's calendar dates.

Clocks (Housing Act 1996 Part 7, as amended by the Homelessness Reduction Act 2017):
- prevention duty (s.195): 56 days from its start; it cannot end on the 56-day ground while the
  threat of homelessness comes from a section 21 notice, so that clock has no end date then;
- relief duty (s.189B): 56 days from its start;
- review request window: 21 days from the date the decision is notified;
- review decision: 3 weeks (PHP steps, prevention-stage non-cooperation), 8 weeks (most),
  10 weeks (joint local connection reviews), 12 weeks (appointed person), from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

TRIAGE, ASSESSMENT, PREVENTION, RELIEF = "triage", "assessment", "prevention", "relief"
MAIN_DUTY_DECISION, REVIEW, CLOSED = "main_duty_decision", "review", "closed"
STAGES = (TRIAGE, ASSESSMENT, PREVENTION, RELIEF, MAIN_DUTY_DECISION, REVIEW, CLOSED)

TRANSITIONS: dict[str, frozenset[str]] = {
    TRIAGE: frozenset({ASSESSMENT, PREVENTION, RELIEF, CLOSED}),
    ASSESSMENT: frozenset({PREVENTION, RELIEF, MAIN_DUTY_DECISION, CLOSED}),
    # Prevention fails and the applicant becomes homeless: relief follows.
    PREVENTION: frozenset({RELIEF, MAIN_DUTY_DECISION, CLOSED}),
    RELIEF: frozenset({MAIN_DUTY_DECISION, CLOSED}),
    MAIN_DUTY_DECISION: frozenset({REVIEW, CLOSED}),
    # A review may confirm (close) or send the decision back to be made again.
    REVIEW: frozenset({MAIN_DUTY_DECISION, CLOSED}),
    CLOSED: frozenset(),
}

OUTCOMES = (
    "homelessness_prevented",
    "homelessness_relieved",
    "main_duty_accepted",
    "no_duty_owed",
    "intentionally_homeless",
    "not_eligible",
    "refused_suitable_offer",
    "non_cooperation",
    "contact_lost",
    "withdrawn",
    "advice_given",
    "other",
)

REVIEW_PERIODS = {
    "php_steps": timedelta(weeks=3),
    "prevention_non_cooperation": timedelta(weeks=3),
    "standard": timedelta(weeks=8),
    "joint_local_connection": timedelta(weeks=10),
    "appointed_person": timedelta(weeks=12),
}
DUTY_PERIOD = timedelta(days=56)
REVIEW_REQUEST_WINDOW = timedelta(days=21)
WARNING_BEFORE = timedelta(days=7)


class IllegalTransition(ValueError):
    def __init__(self, stage: str, target: str) -> None:
        allowed = sorted(TRANSITIONS.get(stage, ()))
        super().__init__(f"a case in {stage} cannot move to {target}; it can move to {allowed}")
        self.stage, self.target = stage, target


def check_transition(stage: str, target: str) -> None:
    if target not in STAGES:
        raise IllegalTransition(stage, target)
    if target not in TRANSITIONS[stage]:
        raise IllegalTransition(stage, target)


def reopen_stage(closed_from: str | None) -> str:
    """A reopened case goes back to the stage it was closed from (triage if unknown)."""
    return closed_from if closed_from in STAGES and closed_from != CLOSED else TRIAGE


@dataclass(frozen=True)
class Clock:
    kind: str
    starts_on: date
    due_on: date | None  # None: runs until stopped (the s.21 exception)
    warn_on: date | None
    note: str = ""


def _clock(kind: str, start: date, period: timedelta, note: str = "") -> Clock:
    due = start + period
    return Clock(kind, start, due, due - WARNING_BEFORE, note)


def clocks_for_stage(
    stage: str,
    on: date,
    *,
    s21_threat: bool = False,
    decision_notified_on: date | None = None,
    review_type: str | None = None,
) -> list[Clock]:
    """The clocks that start when a case enters ``stage`` on ``on``."""
    if stage == PREVENTION:
        if s21_threat:
            return [
                Clock(
                    "prevention_duty",
                    on,
                    None,
                    None,
                    "threat from a section 21 notice: the duty cannot end on the 56-day ground",
                )
            ]
        return [_clock("prevention_duty", on, DUTY_PERIOD)]
    if stage == RELIEF:
        return [_clock("relief_duty", on, DUTY_PERIOD)]
    if stage == MAIN_DUTY_DECISION and decision_notified_on is not None:
        return [_clock("review_request_window", decision_notified_on, REVIEW_REQUEST_WINDOW)]
    if stage == REVIEW:
        period = REVIEW_PERIODS[review_type or "standard"]
        return [_clock(f"review_decision_{review_type or 'standard'}", on, period)]
    return []


def clock_state(clock_due: date | None, warn_on: date | None, today: date) -> str:
    """running, warning (within the warning period) or expired (the due date has passed)."""
    if clock_due is not None and today > clock_due:
        return "expired"
    if warn_on is not None and today >= warn_on:
        return "warning"
    return "running"
