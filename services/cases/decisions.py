"""Use cases for the decisions an officer makes on a duty: ending it on a ground, notifying the
steps of a written plan, a non-cooperation notice with its second-officer sign-off, the findings
that decide how the relief duty ends, and correcting the day a duty began. No nameko.

Every decision that carries review rights opens its own review-request window (21 days beginning
with the day the applicant is notified, s.202(3)); the window belongs to the decision and keeps
running when the case moves on."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from services.cases import case_work, commands, duties, events, lifecycle, repository
from services.cases.models import Case, CaseClock, CaseDecision
from shared.clock import london_date, london_today, utcnow
from shared.errors import Conflict, ValidationFailed
from shared.periods import Ending, Period, StatutoryClock, day_after
from shared.unit_of_work import Transaction

DUTY_ENDED, PLAN_STEPS, NON_COOPERATION = "duty_ended", "plan_steps", "non_cooperation_notice"
PROPOSED, AUTHORISED, ISSUED, NOTIFIED, ENDED = (
    "proposed",
    "authorised",
    "issued",
    "notified",
    "ended",
)


def end_duty(tx: Transaction, command: commands.EndDuty) -> CaseDecision:
    """End the case's prevention or relief duty on a ground, notified on a day: the duty clock
    stops and the decision's review-request window opens."""
    case = case_work.find(tx, command.case, lock=True)
    duty, clock = _running_duty(tx, case)
    today = london_today()
    problems = duties.ending_problems(
        duty, command.ground, period_last_day=clock.due_on, notified_on=command.notified_on
    )
    problems.update(_notified_on_problems(case, command.notified_on, today))
    ground = duties.GROUNDS[duty].get(command.ground)
    notice = None
    if ground is not None and ground.needs_authorised_notice:
        notice = _authorised_notice(tx, case, duty, command.notice, problems)
    elif command.notice:
        problems["notice"] = ["only a non-cooperation ending refers to a notice"]
    if problems:
        raise ValidationFailed(problems)
    clock.stopped_on = command.notified_on
    decision = notice or CaseDecision(
        id=str(uuid.uuid4()),
        case_id=case.id,
        kind=DUTY_ENDED,
        duty=duty,
        decided_by=command.actor,
        created_at=utcnow(),
    )
    decision.ground, decision.citation = ground.key, ground.citation
    decision.status = ISSUED if notice else NOTIFIED
    decision.review_category, decision.notified_on = ground.review_category, command.notified_on
    decision.reason = command.reason
    tx.session.add(decision)
    window = _open_review_window(tx, case, decision)
    case.announce(
        events.CASE_DUTY_ENDED,
        _ending_data(decision, window),
        command.actor,
        {"duty": duty, "state": "owed"},
        {
            "duty": duty,
            "ground": decision.ground,
            "notified_on": decision.notified_on.isoformat(),
            "review_category": decision.review_category,
            "reason": decision.reason,
        },
    )
    return decision


def end_relief_by_itself(tx: Transaction, case: Case, clock: CaseClock) -> CaseDecision:
    """s.189B(4): the relief duty ended at the end of its last day; nothing to notify, so no
    review window of its own. Called by the clock watch on the day after the last day."""
    ground = duties.ENDED_BY_ITSELF
    clock.stopped_on = day_after(clock.due_on)
    decision = CaseDecision(
        id=str(uuid.uuid4()),
        case_id=case.id,
        kind=DUTY_ENDED,
        duty=lifecycle.RELIEF,
        ground=ground.key,
        citation=ground.citation,
        status=ENDED,
        decided_by="system:cases",
        created_at=utcnow(),
    )
    tx.session.add(decision)
    case.announce(
        events.CASE_DUTY_ENDED,
        _ending_data(decision, None),
        "system:cases",
        {"duty": lifecycle.RELIEF, "state": "owed"},
        {"duty": lifecycle.RELIEF, "ground": ground.key, "last_day": clock.due_on.isoformat()},
    )
    return decision


def record_plan_decision(tx: Transaction, command: commands.RecordPlanDecision) -> CaseDecision:
    """The applicant was notified in writing of the steps in their plan (s.189A): a decision
    they may ask to have reviewed (s.202(1)(bc)(i) at prevention, (ba)(i) at relief)."""
    case = case_work.find(tx, command.case, lock=True)
    duty, _clock = _running_duty(tx, case)
    problems = _notified_on_problems(case, command.notified_on, london_today())
    if problems:
        raise ValidationFailed(problems)
    decision = CaseDecision(
        id=str(uuid.uuid4()),
        case_id=case.id,
        kind=PLAN_STEPS,
        duty=duty,
        citation=f"{lifecycle.HA96} s.189A, s.202(1)",
        status=NOTIFIED,
        review_category=duties.PLAN_STEPS_REVIEW[duty],
        decided_by=command.actor,
        notified_on=command.notified_on,
        created_at=utcnow(),
    )
    tx.session.add(decision)
    window = _open_review_window(tx, case, decision)
    case.announce(
        events.CASE_DECISION_NOTIFIED,
        {
            "decision_id": decision.id,
            "kind": decision.kind,
            "duty": duty,
            "review_category": decision.review_category,
            "notified_on": decision.notified_on.isoformat(),
            "review_window": case_work.clock_view(window),
        },
        command.actor,
        None,
        {"duty": duty, "notified_on": decision.notified_on.isoformat()},
    )
    return decision


def propose_non_cooperation_notice(
    tx: Transaction, command: commands.ProposeNonCooperationNotice, warning_period_days: int
) -> CaseDecision:
    """An officer proposes a s.193B notice after a relevant warning and a reasonable period; it
    cannot be issued until a second officer authorises it."""
    case = case_work.find(tx, command.case, lock=True)
    duty, _clock = _running_duty(tx, case)
    problems = duties.warning_problems(
        command.warning_given_on, london_today(), warning_period_days
    )
    if command.warning_given_on < london_date(case.opened_at):
        problems["warning_given_on"] = ["is before the enquiry"]
    if problems:
        raise ValidationFailed(problems)
    pending = [
        d
        for d in repository.decisions_of(tx.session, case.id)
        if d.kind == NON_COOPERATION and d.duty == duty and d.status in (PROPOSED, AUTHORISED)
    ]
    if pending:
        raise Conflict(
            f"case {case.reference} already has a non-cooperation notice {pending[0].id}"
        )
    notice = CaseDecision(
        id=str(uuid.uuid4()),
        case_id=case.id,
        kind=NON_COOPERATION,
        duty=duty,
        citation=f"{lifecycle.HA96} s.193B",
        status=PROPOSED,
        decided_by=command.actor,
        decided_grade=command.grade,
        warning_given_on=command.warning_given_on,
        reason=command.reason,
        created_at=utcnow(),
    )
    tx.session.add(notice)
    case.audit(
        "case.non_cooperation_proposed",
        command.actor,
        None,
        {"notice": notice.id, "duty": duty, "grade": notice.decided_grade},
    )
    return notice


def authorise_non_cooperation_notice(
    tx: Transaction, command: commands.AuthoriseNonCooperationNotice
) -> CaseDecision:
    """SI 2018/223 reg 3: a second officer, at least as senior and not involved, authorises."""
    case = case_work.find(tx, command.case, lock=True)
    notice = repository.decision_of(tx.session, case.id, command.notice)
    if notice is None or notice.kind != NON_COOPERATION:
        raise ValidationFailed({"notice": ["no non-cooperation notice with this id on this case"]})
    if notice.status != PROPOSED:
        raise Conflict(f"the notice is {notice.status}, not waiting for authorisation")
    problems = duties.sign_off_problems(
        proposed_by=notice.decided_by,
        proposed_grade=notice.decided_grade or duties.GRADES[0],
        authoriser=command.actor,
        authoriser_grade=command.grade,
        involved=repository.actors_involved(tx.session, case, duties.NOT_INVOLVEMENT),
    )
    if problems:
        raise ValidationFailed(problems)
    notice.status, notice.authorised_at = AUTHORISED, utcnow()
    notice.authorised_by, notice.authorised_grade = command.actor, command.grade
    case.audit(
        "case.non_cooperation_authorised",
        command.actor,
        {"notice": notice.id, "status": PROPOSED},
        {"notice": notice.id, "status": AUTHORISED, "grade": notice.authorised_grade},
    )
    return notice


def record_findings(tx: Transaction, command: commands.RecordFindings) -> Case:
    """The council's findings on priority need and intentional homelessness, which decide
    whether a running relief duty ends by itself (s.189B(4)) or needs a notice (s.189B(7))."""
    case = case_work.find(tx, command.case, lock=True)
    given = {
        name: getattr(command, name)
        for name in ("priority_need", "intentionally_homeless")
        if getattr(command, name) is not None
    }
    if not given:
        raise ValidationFailed(
            {"priority_need": ["give priority_need, intentionally_homeless or both"]}
        )
    before = {name: getattr(case, name) for name in given}
    for name, value in given.items():
        setattr(case, name, value)
    case.updated_at = utcnow()
    changed = _follow_findings(tx, case, london_today())
    case.announce(
        events.CASE_FINDINGS_RECORDED,
        {
            "priority_need": case.priority_need,
            "intentionally_homeless": case.intentionally_homeless,
            "clocks": [case_work.clock_view(c) for c in changed],
        },
        command.actor,
        before,
        {**given, "reason": command.reason},
    )
    return case


def correct_clock_start(tx: Transaction, command: commands.CorrectClockStart) -> CaseClock:
    """Move the first day of a running duty period to the day the council was in fact first
    satisfied: every date after it moves too. Audited with the officer's reason."""
    case = case_work.find(tx, command.case, lock=True)
    clock = repository.running_clock(tx.session, case.id, command.clock)
    if clock is None:
        raise Conflict(f"case {case.reference} has no running {command.clock} period")
    if command.starts_on == clock.starts_on:
        raise Conflict(f"the {clock.kind} period already begins on {clock.starts_on.isoformat()}")
    today = london_today()
    problems = lifecycle.start_date_problems(
        "starts_on", command.starts_on, today, london_date(case.opened_at)
    )
    if problems:
        raise ValidationFailed(problems)
    before = {"starts_on": clock.starts_on.isoformat(), "last_day": clock.due_on.isoformat()}
    recomputed = StatutoryClock(
        clock.kind,
        command.starts_on,
        Period((clock.due_on - clock.starts_on).days + 1),
        Ending(clock.ending),
        clock.citation,
        lifecycle.WARNING_DAYS,
    )
    clock.starts_on, clock.due_on, clock.warn_on = (
        recomputed.begins_on,
        recomputed.last_day,
        recomputed.warn_from,
    )
    clock.start_reason = command.reason
    clock.note = lifecycle.what_the_day_after_means(clock.kind, clock.ending, recomputed.day_after)
    # An alert already raised for dates that have now moved later must be able to fire again.
    if clock.warn_on > today:
        clock.warned_at = None
    if clock.due_on >= today:
        clock.period_ended_at = None
    case.announce(
        events.CASE_CLOCK_CORRECTED,
        {"clock": case_work.clock_view(clock), "previous_starts_on": before["starts_on"]},
        command.actor,
        {"clock": clock.kind, **before},
        {
            "clock": clock.kind,
            "starts_on": clock.starts_on.isoformat(),
            "last_day": clock.due_on.isoformat(),
            "reason": command.reason,
        },
    )
    return clock


def decision_view(decision: CaseDecision) -> dict[str, Any]:
    """A decision as the case view shows it; the officer's reasons stay in the audit trail."""
    return {
        "id": decision.id,
        "kind": decision.kind,
        "duty": decision.duty,
        "ground": decision.ground,
        "citation": decision.citation,
        "status": decision.status,
        "review_category": decision.review_category,
        "decided_by": decision.decided_by,
        "decided_grade": decision.decided_grade,
        "authorised_by": decision.authorised_by,
        "authorised_grade": decision.authorised_grade,
        "warning_given_on": _iso(decision.warning_given_on),
        "notified_on": _iso(decision.notified_on),
    }


def _running_duty(tx: Transaction, case: Case) -> tuple[str, CaseClock]:
    if case.stage not in lifecycle.DUTY_STAGES:
        raise Conflict(f"case {case.reference} is at {case.stage}: no prevention or relief duty")
    clock = repository.running_clock(tx.session, case.id, lifecycle.DUTY_CLOCK[case.stage])
    if clock is None and not lifecycle.clocks_for_stage(
        case.stage, london_today(), nation=case.nation
    ):
        raise Conflict(
            f"the suite has no {case.nation} duty rules yet: case {case.reference} has no "
            f"{case.stage} period to end (docs/case-lifecycle.md)"
        )
    if clock is None:
        raise Conflict(f"the {case.stage} duty of case {case.reference} has already ended")
    return case.stage, clock


def _notified_on_problems(case: Case, notified_on: date, today: date) -> dict[str, list[str]]:
    return lifecycle.start_date_problems(
        "notified_on", notified_on, today, london_date(case.opened_at)
    )


def _authorised_notice(
    tx: Transaction, case: Case, duty: str, notice_id: str | None, problems: dict
) -> CaseDecision | None:
    if not notice_id:
        problems["notice"] = ["required: the authorised non-cooperation notice's id"]
        return None
    notice = repository.decision_of(tx.session, case.id, notice_id)
    if notice is None or notice.kind != NON_COOPERATION or notice.duty != duty:
        problems["notice"] = [f"no non-cooperation notice with this id for the {duty} duty"]
        return None
    if notice.status != AUTHORISED:
        problems["notice"] = [
            f"the notice is {notice.status}: a second officer must authorise it first"
        ]
        return None
    return notice


def _open_review_window(tx: Transaction, case: Case, decision: CaseDecision) -> CaseClock:
    window = lifecycle.clock_of(lifecycle.REVIEW_REQUEST_WINDOW, decision.notified_on)
    clock = case_work.clock_row(case, window, decision_id=decision.id)
    tx.session.add(clock)
    tx.session.flush()
    return clock


def _follow_findings(tx: Transaction, case: Case, today: date) -> list[CaseClock]:
    """A running relief period whose last day has not passed takes the ending the findings give
    it; after the last day the period has already run under the rule it had."""
    clock = repository.running_clock(tx.session, case.id, lifecycle.DUTY_CLOCK[lifecycle.RELIEF])
    if clock is None or clock.due_on < today:
        return []
    rule = lifecycle.relief_rule(case.priority_need, case.intentionally_homeless)
    if clock.ending == rule.ending.value:
        return []
    clock.ending, clock.citation = rule.ending.value, rule.citation
    clock.note = lifecycle.what_the_day_after_means(
        clock.kind, rule.ending, day_after(clock.due_on)
    )
    return [clock]


def _ending_data(decision: CaseDecision, window: CaseClock | None) -> dict[str, Any]:
    return {
        "decision_id": decision.id,
        "duty": decision.duty,
        "ground": decision.ground,
        "citation": decision.citation,
        "automatic": decision.status == ENDED,
        "notified_on": _iso(decision.notified_on),
        "review_category": decision.review_category,
        "review_window": case_work.clock_view(window) if window else None,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
