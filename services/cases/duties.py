"""How the prevention and relief duties end, which decisions carry review rights, and who may
authorise a non-cooperation notice. Pure rules: no nameko, no database.

Sources (docs/law.md): Housing Act 1996 s.195(8) (prevention), s.189B(4) and (7) (relief),
s.193A (final offers), s.193B-193C (non-cooperation), s.202(1) (what may be reviewed) and
SI 2018/223 regs 2-3 (who authorises a s.193B notice) and reg 9 (review deadlines). The
Homelessness Code of Guidance, chapter 14, lists the circumstances in the same order as the Act;
the paragraph letters we could not read in the statute text are cited by the Code's chapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.cases.lifecycle import HA96, PREVENTION, RELIEF
from shared.periods import day_after

CODE_CH14 = "Homelessness Code of Guidance ch.14"
REG_2018 = "SI 2018/223"


@dataclass(frozen=True)
class EndingGround:
    key: str
    citation: str
    # The ground needs the duty's 56-day period to have ended (s.195(8)(b), s.189B(7)(b)).
    needs_period_ended: bool = False
    # The ground is a s.193B notice, which needs a second officer's authorisation first.
    needs_authorised_notice: bool = False
    # The reg 9 review category of the decision ending the duty; None where no decision is
    # notified (relief ending by itself, s.189B(4)).
    review_category: str | None = None


def _grounds(*grounds: EndingGround) -> dict[str, EndingGround]:
    return {ground.key: ground for ground in grounds}


PREVENTION_GROUNDS = _grounds(
    EndingGround(
        "suitable_accommodation_6_months",
        f"{HA96} s.195(8)(a)",
        review_category="prevention_end_notice",
    ),
    EndingGround(
        "period_56_days_ended",
        f"{HA96} s.195(8)(b)",
        needs_period_ended=True,
        review_category="prevention_end_notice",
    ),
    EndingGround(
        "became_homeless", f"{HA96} s.195(8); {CODE_CH14}", review_category="prevention_end_notice"
    ),
    EndingGround(
        "refused_suitable_offer",
        f"{HA96} s.195(8); {CODE_CH14}",
        review_category="prevention_end_notice",
    ),
    EndingGround(
        "intentionally_homeless_from_accommodation_provided",
        f"{HA96} s.195(8); {CODE_CH14}",
        review_category="prevention_end_notice",
    ),
    EndingGround(
        "no_longer_eligible",
        f"{HA96} s.195(8); {CODE_CH14}",
        review_category="prevention_end_notice",
    ),
    EndingGround(
        "application_withdrawn",
        f"{HA96} s.195(8); {CODE_CH14}",
        review_category="prevention_end_notice",
    ),
    EndingGround(
        "non_cooperation_notice",
        f"{HA96} s.193B(2), s.193C; {REG_2018} reg 3",
        needs_authorised_notice=True,
        review_category="non_cooperation_prevention",
    ),
)

RELIEF_GROUNDS = _grounds(
    EndingGround(
        "suitable_accommodation_6_months",
        f"{HA96} s.189B(7)(a)",
        review_category="relief_end_notice",
    ),
    EndingGround(
        "period_56_days_ended",
        f"{HA96} s.189B(7)(b)",
        needs_period_ended=True,
        review_category="relief_end_notice",
    ),
    EndingGround(
        "refused_suitable_offer",
        f"{HA96} s.189B(7); {CODE_CH14}",
        review_category="relief_end_notice",
    ),
    EndingGround(
        "intentionally_homeless_from_accommodation_provided",
        f"{HA96} s.189B(7); {CODE_CH14}",
        review_category="relief_end_notice",
    ),
    EndingGround(
        "no_longer_eligible", f"{HA96} s.189B(7); {CODE_CH14}", review_category="relief_end_notice"
    ),
    EndingGround(
        "application_withdrawn",
        f"{HA96} s.189B(7); {CODE_CH14}",
        review_category="relief_end_notice",
    ),
    EndingGround("refused_final_offer", f"{HA96} s.193A", review_category="standard"),
    EndingGround(
        "non_cooperation_notice",
        f"{HA96} s.193B(2), s.193C; {REG_2018} reg 3",
        needs_authorised_notice=True,
        review_category="non_cooperation_relief",
    ),
)

GROUNDS: dict[str, dict[str, EndingGround]] = {
    PREVENTION: PREVENTION_GROUNDS,
    RELIEF: RELIEF_GROUNDS,
}

# The relief duty that ends by itself (s.189B(4)): recorded as a ground so that the case shows how
# the duty ended; there is no notice and so no review of the ending itself (the s.184 decisions
# on priority need and intentionality carry their own review rights).
ENDED_BY_ITSELF = EndingGround("period_ended_automatically", f"{HA96} s.189B(4)")

# A written plan's steps (s.189A) are reviewable: s.202(1)(bc)(i) at prevention, (ba)(i) at relief.
PLAN_STEPS_REVIEW = {PREVENTION: "prevention_steps", RELIEF: "relief_steps"}

# Seniority for the second officer of SI 2018/223 reg 3: an ordered ladder, lowest first. A
# council whose grades differ maps its own onto these.
GRADES = ("officer", "senior_officer", "team_leader", "service_manager", "head_of_service")
# The "reasonable period" after a relevant warning before a s.193B notice (s.193B(4)-(5)): the
# Act sets no number; the council's written procedure does (see docs/case-lifecycle.md).
DEFAULT_WARNING_PERIOD_DAYS = 7
# Audit actions that do not make someone "involved" in a case: reading it is not deciding it.
NOT_INVOLVEMENT = frozenset({"case.viewed", "document.downloaded"})


def ending_grounds_view(stage: str) -> list[dict[str, object]]:
    """The grounds on which the duty of this stage may end, as a case view lists them for the
    officer choosing one; none outside prevention and relief."""
    return [
        {
            "key": ground.key,
            "citation": ground.citation,
            "needs_period_ended": ground.needs_period_ended,
            "needs_authorised_notice": ground.needs_authorised_notice,
        }
        for ground in GROUNDS.get(stage, {}).values()
    ]


def ending_problems(
    duty: str, ground: str, *, period_last_day: date | None, notified_on: date
) -> dict[str, list[str]]:
    """Why this duty cannot end on this ground on this date, keyed by field."""
    grounds = GROUNDS.get(duty)
    if grounds is None:
        return {"case": [f"no duty to end: the case is not at prevention or relief ({duty})"]}
    rule = grounds.get(ground)
    if rule is None:
        return {"ground": [f"not a ground for ending the {duty} duty: one of {sorted(grounds)}"]}
    if rule.needs_period_ended and period_last_day is not None and notified_on <= period_last_day:
        return {
            "ground": [
                f"the 56-day period's last day is {period_last_day.isoformat()}: this ground is "
                f"available from {day_after(period_last_day).isoformat()}"
            ]
        }
    return {}


def sign_off_problems(
    *,
    proposed_by: str,
    proposed_grade: str,
    authoriser: str,
    authoriser_grade: str,
    involved: set[str],
) -> dict[str, list[str]]:
    """SI 2018/223 reg 3: the authoriser is someone other than the decision maker, at least as
    senior, and not involved in the decision (here: no part in the case's work so far)."""
    if authoriser_grade not in GRADES:
        return {"authoriser_grade": [f"one of {list(GRADES)}"]}
    if authoriser == proposed_by:
        return {"actor": ["the officer who proposed the notice cannot also authorise it"]}
    if GRADES.index(authoriser_grade) < GRADES.index(proposed_grade):
        return {
            "authoriser_grade": [
                f"must be at least as senior as the proposing officer ({proposed_grade})"
            ]
        }
    if authoriser in involved:
        return {"actor": ["has been involved in this case and cannot authorise the notice"]}
    return {}


def warning_problems(warning_given_on: date, today: date, period_days: int) -> dict[str, list[str]]:
    """s.193B(4)-(5): a notice only after a relevant warning and a reasonable period since."""
    if warning_given_on > today:
        return {"warning_given_on": [f"{warning_given_on.isoformat()} is in the future"]}
    waited = (today - warning_given_on).days
    if waited < period_days:
        return {
            "warning_given_on": [
                f"a reasonable period ({period_days} days) must pass after the warning before "
                "the notice"
            ]
        }
    return {}
