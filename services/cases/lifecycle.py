"""The case lifecycle: stages, the transitions between them, and the statutory clocks each stage
starts. Pure rules: no nameko, no database. Dates are England's calendar dates.

Clocks (Housing Act 1996 Part 7, as amended by the Homelessness Reduction Act 2017), each a period
"beginning with" a day and counted by ``shared.periods`` (the day itself is day 1):
- prevention duty (s.195): 56 days beginning with the day the council was first satisfied the
  applicant is threatened with homelessness and eligible. The duty does not expire: from the day
  after the last day the council may end it by notice (s.195(8)(b)).
- relief duty (s.189B): 56 days beginning with the day the council was first satisfied the
  applicant is homeless and eligible. It ends by itself at the end of the last day where the
  council is satisfied of priority need and not satisfied of intentional homelessness
  (s.189B(4)); otherwise the council may end it by notice once the 56 days have passed
  (s.189B(7)(b)).
- review request window: 21 days beginning with the day the applicant is notified of a decision
  (s.202(3)), or a longer period the council allows in writing.
- review decision (Homelessness (Review Procedure etc.) Regulations 2018, reg 9), beginning with
  the day the request is made: 3 weeks for the steps in a plan (prevention or relief), a notice
  ending the prevention duty, or a non-cooperation notice that ended it; 8 weeks for most others
  (a notice ending the relief duty among them); 10 weeks for a joint review of whether the
  referral conditions are met; 12 weeks where an appointed person reviews; or a longer period
  agreed in writing (docs/law.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shared.periods import Ending, Period, StatutoryClock

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

HA96 = "Housing Act 1996"
REVIEW_REGULATIONS = "Homelessness (Review Procedure etc.) Regulations 2018 (SI 2018/223)"


# England's periods as the Homelessness Reduction Act 2017 and SI 2018/223 set them, in force
# from 3 April 2018. A change of law is a new rule with dates, never an edit of this one.
HRA_2017_IN_FORCE = date(2018, 4, 3)


@dataclass(frozen=True)
class ClockRule:
    kind: str
    period: Period
    ending: Ending
    citation: str
    nation: str = "england"
    effective_from: date = HRA_2017_IN_FORCE
    effective_to: date | None = None

    def in_force(self, nation: str, on: date) -> bool:
        return (
            self.nation == nation
            and self.effective_from <= on
            and (self.effective_to is None or on <= self.effective_to)
        )


PREVENTION_DUTY = ClockRule(
    "prevention_duty", Period(56), Ending.MAY_END_BY_NOTICE, f"{HA96} s.195(8)(b)"
)
RELIEF_DUTY_ENDS_ITSELF = ClockRule(
    "relief_duty", Period(56), Ending.ENDS_AUTOMATICALLY, f"{HA96} s.189B(4)"
)
RELIEF_DUTY_BY_NOTICE = ClockRule(
    "relief_duty", Period(56), Ending.MAY_END_BY_NOTICE, f"{HA96} s.189B(7)(b)"
)
REVIEW_REQUEST_WINDOW = ClockRule(
    "review_request_window", Period(21), Ending.DEADLINE, f"{HA96} s.202(3)"
)
REG_9 = f"{REVIEW_REGULATIONS} reg 9"
# The review decision's deadline by what is reviewed (s.202(1) paragraph; reg 9(1)).
REVIEW_CATEGORIES: dict[str, ClockRule] = {
    name: ClockRule(f"review_decision_{name}", Period.of_weeks(weeks), Ending.DEADLINE, citation)
    for name, weeks, citation in (
        ("prevention_steps", 3, f"{REG_9}(1)(a); {HA96} s.202(1)(bc)(i)"),
        ("prevention_end_notice", 3, f"{REG_9}(1)(a); {HA96} s.202(1)(bc)(ii)"),
        ("non_cooperation_prevention", 3, f"{REG_9}(1)(a); {HA96} s.202(1)(bb)"),
        ("relief_steps", 3, f"{REG_9}(1)(a); {HA96} s.202(1)(ba)(i)"),
        ("relief_end_notice", 8, f"{REG_9}(1)(b); {HA96} s.202(1)(ba)(ii)"),
        ("non_cooperation_relief", 8, f"{REG_9}(1)(b); {HA96} s.202(1)(bb)"),
        ("standard", 8, f"{REG_9}(1)(b); {HA96} s.202(1)(a)-(h)"),
        ("referral_conditions_joint", 10, f"{REG_9}(1)(c); {HA96} s.202(1)(d)"),
        ("appointed_person", 12, f"{REG_9}(1)(d)"),
    )
}
WARNING_DAYS = 7
DUTY_STAGES = (PREVENTION, RELIEF)
# The clock each duty stage runs (both relief rules share one kind).
DUTY_CLOCK = {PREVENTION: PREVENTION_DUTY.kind, RELIEF: RELIEF_DUTY_BY_NOTICE.kind}


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


def relief_rule(priority_need: bool | None, intentionally_homeless: bool | None) -> ClockRule:
    """s.189B(4): the relief duty ends by itself only where the council is satisfied of priority
    need and is not satisfied that the applicant became homeless intentionally."""
    if priority_need is True and intentionally_homeless is not True:
        return RELIEF_DUTY_ENDS_ITSELF
    return RELIEF_DUTY_BY_NOTICE


def start_date_problems(
    field: str,
    begins_on: date,
    today: date,
    earliest: date,
    reason_field: str | None = None,
    reason: str | None = None,
) -> dict[str, list[str]]:
    """A day an officer records for a clock to begin with: never in the future, never before
    the enquiry, and, where ``reason_field`` is given, a reason whenever it is earlier than
    today (a backdated duty moves every date after it)."""
    if begins_on > today:
        return {field: [f"{begins_on.isoformat()} is in the future"]}
    if begins_on < earliest:
        return {field: [f"{begins_on.isoformat()} is before the enquiry ({earliest.isoformat()})"]}
    if reason_field and begins_on < today and not (reason and reason.strip()):
        return {reason_field: [f"required when {field} is earlier than today"]}
    return {}


def clocks_for_stage(
    stage: str,
    on: date,
    *,
    decision_notified_on: date | None = None,
    review_type: str | None = None,
    priority_need: bool | None = None,
    intentionally_homeless: bool | None = None,
    agreed_days: int | None = None,
    nation: str = "england",
) -> list[StatutoryClock]:
    """The clocks that begin when a case enters ``stage``; ``on`` is the day the period begins
    with (for a duty, the day the council was first satisfied). ``agreed_days``: a longer
    period allowed or agreed in writing for a review window or review decision. No clock
    where no rule of the case's nation is in force on that day."""
    if stage == PREVENTION:
        rule = PREVENTION_DUTY
    elif stage == RELIEF:
        rule = relief_rule(priority_need, intentionally_homeless)
    elif stage == MAIN_DUTY_DECISION and decision_notified_on is not None:
        rule, on = _agreed(REVIEW_REQUEST_WINDOW, agreed_days), decision_notified_on
    elif stage == REVIEW:
        rule = _agreed(REVIEW_CATEGORIES[review_type or "standard"], agreed_days)
    else:
        return []
    if not rule.in_force(nation, on):
        return []
    return [clock_of(rule, on)]


def clock_of(rule: ClockRule, begins_on: date) -> StatutoryClock:
    """The period the rule sets, beginning with ``begins_on``."""
    return StatutoryClock(
        rule.kind, begins_on, rule.period, rule.ending, rule.citation, WARNING_DAYS
    )


def _agreed(rule: ClockRule, agreed_days: int | None) -> ClockRule:
    if agreed_days is None:
        return rule
    if agreed_days <= rule.period.days:
        raise ValueError(
            f"an agreed period must be longer than the statutory {rule.period.days} days"
        )
    return replace(rule, period=Period(agreed_days), citation=f"{rule.citation} (agreed)")


def what_the_day_after_means(kind: str, ending: Ending | str, day_after: date) -> str:
    """The sentence an officer reads next to the last day."""
    when = day_after.isoformat()
    if Ending(ending) == Ending.MAY_END_BY_NOTICE:
        return (
            f"from {when} the council may end the duty by written notice; it does not end by itself"
        )
    if Ending(ending) == Ending.ENDS_AUTOMATICALLY:
        return (
            f"the duty ends by itself at the end of the last day; from {when} it is no longer owed"
        )
    if kind == "review_request_window":
        return f"a request made from {when} is late unless the council allows it in writing"
    return f"from {when} the decision is late unless a longer period was agreed in writing"
