"""Ending the prevention and relief duties, and the s.193B sign-off: pure rules (services/cases/
duties.py). Examples derived from HA 1996 s.195(8), s.189B(4) and (7), s.193B and SI 2018/223."""

from datetime import date

import pytest

from services.cases import duties, lifecycle

PREVENTION, RELIEF = lifecycle.PREVENTION, lifecycle.RELIEF
# A duty first satisfied on 1 March 2027: 56 days beginning with it end on 25 April 2027.
LAST_DAY = date(2027, 4, 25)


@pytest.mark.parametrize("duty", [PREVENTION, RELIEF])
@pytest.mark.parametrize(
    "ground", sorted(set(duties.PREVENTION_GROUNDS) | set(duties.RELIEF_GROUNDS))
)
def test_every_ground_is_known_to_its_duty_or_refused_naming_the_field(duty, ground):
    problems = duties.ending_problems(
        duty, ground, period_last_day=LAST_DAY, notified_on=date(2027, 4, 26)
    )
    if ground in duties.GROUNDS[duty]:
        assert problems == {}
    else:
        assert list(problems) == ["ground"]


def test_becoming_homeless_ends_prevention_but_is_no_relief_ground():
    # s.195(8): becoming homeless ends the prevention duty (relief follows); it cannot end relief.
    assert "became_homeless" in duties.PREVENTION_GROUNDS
    assert "became_homeless" not in duties.RELIEF_GROUNDS
    # s.193A: refusing a final offer ends relief only.
    assert "refused_final_offer" in duties.RELIEF_GROUNDS
    assert "refused_final_offer" not in duties.PREVENTION_GROUNDS


@pytest.mark.parametrize("duty", [PREVENTION, RELIEF])
def test_the_56_day_ground_is_available_from_the_day_after_the_last_day(duty):
    on_last_day = duties.ending_problems(
        duty, "period_56_days_ended", period_last_day=LAST_DAY, notified_on=LAST_DAY
    )
    assert "2027-04-26" in on_last_day["ground"][0]
    assert (
        duties.ending_problems(
            duty, "period_56_days_ended", period_last_day=LAST_DAY, notified_on=date(2027, 4, 26)
        )
        == {}
    )


def test_other_grounds_may_end_a_duty_before_the_56_days():
    assert (
        duties.ending_problems(
            PREVENTION, "became_homeless", period_last_day=LAST_DAY, notified_on=date(2027, 3, 2)
        )
        == {}
    )


def test_a_case_outside_a_duty_stage_has_no_duty_to_end():
    assert list(
        duties.ending_problems(
            lifecycle.TRIAGE, "became_homeless", period_last_day=None, notified_on=LAST_DAY
        )
    ) == ["case"]


@pytest.mark.parametrize(
    "duty, ground, category, weeks",
    [
        (PREVENTION, "suitable_accommodation_6_months", "prevention_end_notice", 3),
        (PREVENTION, "period_56_days_ended", "prevention_end_notice", 3),
        (PREVENTION, "non_cooperation_notice", "non_cooperation_prevention", 3),
        (RELIEF, "period_56_days_ended", "relief_end_notice", 8),
        (RELIEF, "non_cooperation_notice", "non_cooperation_relief", 8),
        (RELIEF, "refused_final_offer", "standard", 8),
    ],
)
def test_each_ending_carries_its_review_category(duty, ground, category, weeks):
    # SI 2018/223 reg 9(1): 3 weeks for (bc) and (bb) at prevention, 8 for (ba)(ii) and (bb) at
    # relief.
    rule = duties.GROUNDS[duty][ground]
    assert rule.review_category == category
    assert lifecycle.REVIEW_CATEGORIES[category].period.days == 7 * weeks


def test_plan_steps_are_reviewed_in_three_weeks_at_either_duty():
    for duty in (PREVENTION, RELIEF):
        category = duties.PLAN_STEPS_REVIEW[duty]
        assert lifecycle.REVIEW_CATEGORIES[category].period.days == 21


def test_relief_ending_by_itself_has_no_notice_and_cites_s189b4():
    assert duties.ENDED_BY_ITSELF.review_category is None
    assert duties.ENDED_BY_ITSELF.citation.endswith("s.189B(4)")


def test_only_a_non_cooperation_ending_needs_an_authorised_notice():
    for grounds in duties.GROUNDS.values():
        assert {g.key for g in grounds.values() if g.needs_authorised_notice} == {
            "non_cooperation_notice"
        }


def sign_off(**overrides):
    values = dict(
        proposed_by="officer:amy",
        proposed_grade="senior_officer",
        authoriser="officer:bea",
        authoriser_grade="team_leader",
        involved={"officer:amy", "officer:cal"},
    )
    values.update(overrides)
    return duties.sign_off_problems(**values)


def test_a_more_senior_uninvolved_officer_may_authorise():
    assert sign_off() == {}


def test_an_equally_senior_officer_may_authorise():
    assert sign_off(authoriser_grade="senior_officer") == {}


def test_a_less_senior_officer_may_not_authorise():
    assert list(sign_off(authoriser_grade="officer")) == ["authoriser_grade"]


def test_the_proposer_may_not_authorise_their_own_notice():
    assert list(sign_off(authoriser="officer:amy", authoriser_grade="head_of_service")) == ["actor"]


def test_an_officer_involved_in_the_case_may_not_authorise():
    assert "involved" in sign_off(authoriser="officer:cal")["actor"][0]


def test_an_unknown_grade_is_refused_naming_the_field():
    assert list(sign_off(authoriser_grade="wizard")) == ["authoriser_grade"]


def test_a_notice_waits_a_reasonable_period_after_the_warning():
    warned = date(2027, 3, 1)
    assert list(duties.warning_problems(warned, date(2027, 3, 7), 7)) == ["warning_given_on"]
    assert duties.warning_problems(warned, date(2027, 3, 8), 7) == {}
    assert (
        "future"
        in duties.warning_problems(date(2027, 3, 9), date(2027, 3, 8), 7)["warning_given_on"][0]
    )
