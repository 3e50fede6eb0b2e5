"""The notice checker, on both sides of every date the law turns on. Each example is worked out
by hand from the statute cited beside it."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from shared import law
from shared.law import NoticeFacts as Facts

TODAY = date(2026, 11, 25)
LONG_AGO = date(2020, 1, 1)  # a tenancy start well before any bar


def check(nation: str, today: date = TODAY, **facts) -> law.NoticeCheck:
    return law.check_notice(nation, Facts(**facts), today)


def verdict(nation: str, today: date = TODAY, **facts) -> str:
    return check(nation, today, **facts).verdict


# --- England: section 21 --------------------------------------------------------------------------


def test_a_section_21_served_the_day_before_the_renters_rights_act_is_judged_by_the_old_law():
    # Served 30 April 2026 with two months' notice (s.21(4)(a)); checked 10 May 2026, inside the
    # claim window (the earlier of 6 months from service and 31 July 2026).
    result = check(
        "england",
        date(2026, 5, 10),
        notice_type="section_21",
        served_on=date(2026, 4, 30),
        leave_on=date(2026, 6, 30),
        tenancy_started_on=LONG_AGO,
    )
    assert (result.pack_key, result.verdict) == ("england-2021-10-01", "can_be_valid")


def test_a_section_21_served_on_1_may_2026_is_not_valid():
    # Renters' Rights Act 2025 s.2; SI 2026/421 reg 2: no new s.21 for private tenancies.
    result = check(
        "england",
        date(2026, 5, 10),
        notice_type="section_21",
        served_on=date(2026, 5, 1),
        leave_on=date(2026, 7, 1),
    )
    assert (result.pack_key, result.verdict) == ("england-2026-05-01", "not_valid")
    assert result.threatened_from is None


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # Served 1 March 2026: 6 months beginning with service end 31 August (s.21(4D)), but the
        # transition cut-off is 31 July 2026 (RRA 2025 Sch 6), so the last day is 31 July.
        (date(2026, 7, 31), "can_be_valid"),
        (date(2026, 8, 1), "not_valid"),
    ],
)
def test_a_section_21_cannot_be_used_after_31_july_2026(today, expected):
    result = check(
        "england",
        today,
        notice_type="section_21",
        served_on=date(2026, 3, 1),
        leave_on=date(2026, 5, 1),
        tenancy_started_on=LONG_AGO,
    )
    assert result.verdict == expected
    if expected == "not_valid":
        assert any("31 July 2026" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # "not less than two months": a notice received 25 June allows 25 August (Shelter).
        (date(2025, 8, 24), "not_valid"),
        (date(2025, 8, 25), "can_be_valid"),
    ],
)
def test_section_21_two_months_notice(leave_on, expected):
    facts = {"served_on": date(2025, 6, 25), "leave_on": leave_on, "tenancy_started_on": LONG_AGO}
    assert verdict("england", date(2025, 7, 1), notice_type="section_21", **facts) == expected


@pytest.mark.parametrize(
    ("served_on", "expected"),
    [
        # s.21(4B): not within 4 months beginning with 31 January 2025, i.e. up to 30 May.
        (date(2025, 5, 30), "not_valid"),
        (date(2025, 5, 31), "can_be_valid"),
    ],
)
def test_section_21_not_in_the_first_four_months(served_on, expected):
    facts = {"served_on": served_on, "leave_on": date(2025, 8, 31)}
    result = check(
        "england",
        date(2025, 6, 1),
        notice_type="section_21",
        tenancy_started_on=date(2025, 1, 31),
        **facts,
    )
    assert result.verdict == expected


def test_section_21_without_a_tenancy_start_is_unclear():
    # The 4-month bar (s.21(4B)) needs the tenancy start date.
    facts = {"served_on": date(2025, 6, 25), "leave_on": date(2025, 8, 25)}
    assert verdict("england", date(2025, 7, 1), notice_type="section_21", **facts) == "unclear"


@pytest.mark.parametrize(
    ("served_on", "expected"),
    [
        # A social-housing s.21 after 1 May 2026 (the old rules, GOV.UK: until 2027), across the
        # leap day: 4 months beginning with 31 October 2027 end on 29 February 2028.
        (date(2028, 2, 29), "not_valid"),
        (date(2028, 3, 1), "can_be_valid"),
    ],
)
def test_the_four_month_bar_across_29_february_2028(served_on, expected):
    result = check(
        "england",
        date(2028, 3, 2),
        notice_type="section_21_social_housing",
        served_on=served_on,
        leave_on=date(2028, 5, 1),
        tenancy_started_on=date(2027, 10, 31),
    )
    assert result.verdict == expected


@pytest.mark.parametrize(
    ("today", "leave_on", "expected"),
    [
        # Served 15 January 2025: 6 months beginning with service end 14 July 2025 (s.21(4D)).
        (date(2025, 7, 14), date(2025, 3, 15), "can_be_valid"),
        (date(2025, 7, 15), date(2025, 3, 15), "not_valid"),
        # A notice giving more than two months may have 4 months from its date (s.21(4E)):
        # 4 months beginning with 15 May end 14 September, so the answer is "unclear".
        (date(2025, 7, 15), date(2025, 5, 15), "unclear"),
        (date(2025, 9, 15), date(2025, 5, 15), "not_valid"),
    ],
)
def test_section_21_use_it_or_lose_it(today, leave_on, expected):
    facts = {"served_on": date(2025, 1, 15), "leave_on": leave_on, "tenancy_started_on": LONG_AGO}
    assert verdict("england", today, notice_type="section_21", **facts) == expected


@pytest.mark.parametrize(
    ("today", "threatened_from", "on_check_day"),
    [
        # s.175(5) before 1 May 2026: a valid s.21 notice expiring within 56 days. The 56 days
        # beginning with 19 January 2025 end on 15 March, the date in the notice.
        (date(2025, 1, 18), date(2025, 1, 19), False),
        (date(2025, 1, 19), date(2025, 1, 19), True),
        (date(2025, 3, 15), date(2025, 1, 19), True),
        (date(2025, 3, 16), date(2025, 1, 19), False),  # the date has passed
    ],
)
def test_a_section_21_makes_the_applicant_threatened_56_days_ahead(
    today, threatened_from, on_check_day
):
    result = check(
        "england",
        today,
        notice_type="section_21",
        served_on=date(2025, 1, 15),
        leave_on=date(2025, 3, 15),
        tenancy_started_on=LONG_AGO,
    )
    assert result.verdict == "can_be_valid"
    assert (result.threatened_from, result.threatened_on_check_day) == (
        threatened_from,
        on_check_day,
    )


def test_a_notice_dated_within_56_days_of_service_threatens_from_service():
    # Ground 8, four weeks after 1 June 2026: the 56 days beginning with service already
    # contain 29 June, so the applicant is threatened from service (s.175(5) as amended).
    result = check(
        "england",
        date(2026, 6, 2),
        notice_type="section_8",
        ground="ground_8",
        served_on=date(2026, 6, 1),
        leave_on=date(2026, 6, 29),
    )
    assert (result.threatened_from, result.threatened_on_check_day) == (date(2026, 6, 1), True)


# --- England: section 8 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # Ground 8 from 1 May 2026: four weeks; 1 June + 28 days = 29 June.
        (date(2026, 6, 29), "can_be_valid"),
        # Less than four weeks but two weeks or more: only a housing association's social housing
        # tenancy (still on the old 2 weeks, s.8(4B)) could give that.
        (date(2026, 6, 28), "unclear"),
        (date(2026, 6, 15), "unclear"),
        # Less than two weeks: not valid on any rules.
        (date(2026, 6, 14), "not_valid"),
    ],
)
def test_ground_8_four_weeks(leave_on, expected):
    facts = {"served_on": date(2026, 6, 1), "leave_on": leave_on}
    assert (
        verdict("england", date(2026, 6, 2), notice_type="section_8", ground="ground_8", **facts)
        == expected
    )


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # Ground 8 across 29 February 2028: 10 February + 28 days = 9 March.
        (date(2028, 3, 8), "unclear"),
        (date(2028, 3, 9), "can_be_valid"),
    ],
)
def test_ground_8_across_the_leap_day(leave_on, expected):
    facts = {"served_on": date(2028, 2, 10), "leave_on": leave_on}
    assert (
        verdict("england", date(2028, 2, 11), notice_type="section_8", ground="ground_8", **facts)
        == expected
    )


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # Ground 1A: four months; 4 months after 31 October 2027 is 29 February 2028.
        (date(2028, 2, 28), "not_valid"),
        (date(2028, 2, 29), "can_be_valid"),
    ],
)
def test_ground_1a_four_months_across_the_leap_day(leave_on, expected):
    facts = {"served_on": date(2027, 10, 31), "leave_on": leave_on, "tenancy_started_on": LONG_AGO}
    assert (
        verdict("england", date(2027, 11, 1), notice_type="section_8", ground="ground_1a", **facts)
        == expected
    )


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # Ground 1 cannot take effect in the first 12 months: 12 months beginning with 15 May
        # 2026 end on 14 May 2027 (GOV.UK grounds for possession guidance).
        (date(2027, 5, 14), "not_valid"),
        (date(2027, 5, 15), "can_be_valid"),
    ],
)
def test_ground_1_not_in_the_first_12_months(leave_on, expected):
    facts = {
        "served_on": date(2026, 11, 20),
        "leave_on": leave_on,
        "tenancy_started_on": date(2026, 5, 15),
    }
    assert verdict("england", notice_type="section_8", ground="ground_1", **facts) == expected


def test_ground_1_without_a_tenancy_start_is_unclear():
    facts = {"served_on": date(2026, 11, 20), "leave_on": date(2027, 3, 20)}
    assert verdict("england", notice_type="section_8", ground="ground_1", **facts) == "unclear"


def test_ground_14_allows_proceedings_straight_away():
    # Housing Act 1988 s.8(4): the date may be the day of service.
    facts = {"served_on": date(2026, 11, 20), "leave_on": date(2026, 11, 20)}
    assert (
        verdict("england", notice_type="section_8", ground="ground_14", **facts) == "can_be_valid"
    )


def test_a_section_8_without_its_ground_is_unclear():
    facts = {"served_on": date(2026, 11, 20), "leave_on": date(2027, 3, 20)}
    result = check("england", notice_type="section_8", **facts)
    assert result.verdict == "unclear" and result.ground is None


def test_an_unverified_period_can_only_make_a_notice_unclear():
    # Ground 12's two weeks after 1 May 2026 is from practitioner summaries only.
    facts = {"served_on": date(2026, 11, 20), "leave_on": date(2026, 11, 21)}
    result = check("england", notice_type="section_8", ground="ground_12", **facts)
    assert result.verdict == "unclear"
    assert any("not verified" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # Before 1 May 2026, ground 7A: one month for a fixed term (s.8(3A)(b)); for a periodic
        # tenancy a notice-to-quit date, at least 4 weeks: between the two, "unclear".
        (date(2025, 3, 28), "not_valid"),
        (date(2025, 3, 29), "unclear"),
        (date(2025, 4, 1), "can_be_valid"),
    ],
)
def test_old_ground_7a(leave_on, expected):
    facts = {"served_on": date(2025, 3, 1), "leave_on": leave_on}
    assert (
        verdict("england", date(2025, 3, 2), notice_type="section_8", ground="ground_7a", **facts)
        == expected
    )


@pytest.mark.parametrize(
    ("today", "threatened_from", "on_check_day"),
    [
        # Before 1 May 2026 s.175(5) covers s.21 only: a s.8 notice is "assess".
        (date(2026, 4, 20), None, False),
        # From 1 May 2026 a valid s.8 notice dated within 56 days makes the applicant
        # threatened, but not before the amended s.175(5) applied.
        (date(2026, 5, 2), date(2026, 5, 1), True),
    ],
)
def test_a_section_8_threatens_only_from_1_may_2026(today, threatened_from, on_check_day):
    result = check(
        "england",
        today,
        notice_type="section_8",
        ground="ground_8",
        served_on=date(2026, 4, 1),
        leave_on=date(2026, 5, 20),
    )
    assert result.pack_key == "england-2021-10-01"
    assert (result.threatened_from, result.threatened_on_check_day) == (
        threatened_from,
        on_check_day,
    )


def test_an_old_section_8_after_31_july_2026_is_unclear():
    # The 31 July 2026 limit for pre-May s.8 notices rests on one practitioner source.
    facts = {"served_on": date(2026, 4, 1), "leave_on": date(2026, 5, 20)}
    assert verdict("england", notice_type="section_8", ground="ground_8", **facts) == "unclear"


@pytest.mark.parametrize(
    ("today", "leave_on", "expected"),
    [
        # Secure tenancy: at least 4 weeks (Housing Act 1985 s.83; Protection from Eviction Act
        # 1977 s.5); ground 2 may allow less, so a shorter notice is "unclear".
        (date(2026, 6, 2), date(2026, 6, 29), "can_be_valid"),
        (date(2026, 6, 2), date(2026, 6, 28), "unclear"),
        # One year from the end of the notice period (Shelter): 29 June 2027 is the last day.
        (date(2027, 6, 29), date(2026, 6, 29), "can_be_valid"),
        (date(2027, 6, 30), date(2026, 6, 29), "not_valid"),
    ],
)
def test_secure_tenancy_notice(today, leave_on, expected):
    facts = {"served_on": date(2026, 6, 1), "leave_on": leave_on}
    result = check("england", today, notice_type="secure_tenancy_nosp", **facts)
    assert result.verdict == expected and result.threatened_from is None


# --- Wales ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # s.174: not less than six months after the day the notice is given.
        (date(2026, 7, 9), "not_valid"),  # six months less a day
        (date(2026, 7, 10), "can_be_valid"),  # exactly six months
    ],
)
def test_section_173_six_months(leave_on, expected):
    facts = {"served_on": date(2026, 1, 10), "leave_on": leave_on, "tenancy_started_on": LONG_AGO}
    result = check("wales", date(2026, 1, 11), notice_type="section_173", **facts)
    assert result.verdict == expected
    assert result.threatened_from is None  # Welsh law: assess likelihood (s.55(4))


@pytest.mark.parametrize(
    ("served_on", "expected"),
    [
        # s.175: not in the first six months of occupation; 6 months beginning with 15 March
        # 2025 end on 14 September.
        (date(2025, 9, 14), "not_valid"),
        (date(2025, 9, 15), "can_be_valid"),
    ],
)
def test_section_173_not_in_the_first_six_months(served_on, expected):
    facts = {
        "served_on": served_on,
        "leave_on": date(2026, 3, 15),
        "tenancy_started_on": date(2025, 3, 15),
    }
    assert verdict("wales", date(2025, 9, 20), notice_type="section_173", **facts) == expected


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # Six months after 31 August 2027 is 29 February 2028 (no 31 February).
        (date(2028, 2, 28), "not_valid"),
        (date(2028, 2, 29), "can_be_valid"),
    ],
)
def test_section_173_across_the_leap_day(leave_on, expected):
    facts = {"served_on": date(2027, 8, 31), "leave_on": leave_on, "tenancy_started_on": LONG_AGO}
    assert verdict("wales", date(2027, 9, 1), notice_type="section_173", **facts) == expected


@pytest.mark.parametrize(
    ("served_on", "expected"),
    [
        # The Renting Homes (Wales) Act 2016 from 1 December 2022: an earlier notice is outside
        # every Welsh pack and is not checked.
        (date(2022, 11, 30), "unclear"),
        (date(2022, 12, 1), "can_be_valid"),
    ],
)
def test_wales_commencement(served_on, expected):
    facts = {"served_on": served_on, "leave_on": date(2023, 6, 1), "tenancy_started_on": LONG_AGO}
    assert verdict("wales", date(2022, 12, 2), notice_type="section_173", **facts) == expected


@pytest.mark.parametrize(
    ("served_on", "expected"),
    [
        # Converted contracts: two months until 31 May 2023, then six (practitioners; unverified,
        # so a short notice after that is "unclear", never "not_valid").
        (date(2023, 5, 31), "can_be_valid"),
        (date(2023, 6, 1), "unclear"),
    ],
)
def test_converted_contracts_on_1_june_2023(served_on, expected):
    facts = {"served_on": served_on, "leave_on": date(2023, 8, 1), "tenancy_started_on": LONG_AGO}
    assert (
        verdict("wales", date(2023, 6, 2), notice_type="section_173_converted", **facts) == expected
    )


@pytest.mark.parametrize(
    ("today", "leave_on", "expected"),
    [
        # s.182(2)(a): no claim before the end of 14 days starting with service (1-14 June), so
        # the earliest date is 15 June.
        (date(2026, 6, 2), date(2026, 6, 14), "not_valid"),
        (date(2026, 6, 2), date(2026, 6, 15), "can_be_valid"),
        # s.182(2)(b): nor after six months starting with service (ends 30 November 2026).
        (date(2026, 11, 30), date(2026, 6, 15), "can_be_valid"),
        (date(2026, 12, 1), date(2026, 6, 15), "not_valid"),
    ],
)
def test_section_182_serious_rent_arrears(today, leave_on, expected):
    facts = {"served_on": date(2026, 6, 1), "leave_on": leave_on}
    assert verdict("wales", today, notice_type="section_182", **facts) == expected


def test_a_welsh_breach_notice_rests_on_unverified_periods():
    facts = {"served_on": date(2026, 6, 1), "leave_on": date(2026, 6, 15)}
    assert (
        verdict("wales", date(2026, 6, 2), notice_type="section_159", ground="breach", **facts)
        == "unclear"
    )


# --- Scotland -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # Ground 11: 28 days beginning on receipt (1 June) expire on 29 June (s.54(2)); the
        # notice names the day after, 30 June (s.62(4)).
        (date(2026, 6, 29), "not_valid"),
        (date(2026, 6, 30), "can_be_valid"),
    ],
)
def test_notice_to_leave_28_days(leave_on, expected):
    facts = {"served_on": date(2026, 6, 1), "leave_on": leave_on, "tenancy_started_on": LONG_AGO}
    assert (
        verdict(
            "scotland", date(2026, 6, 2), notice_type="notice_to_leave", ground="ground_11", **facts
        )
        == expected
    )


@pytest.mark.parametrize(
    ("started", "leave_on", "expected"),
    [
        # Ground 1 after more than six months' occupation: 84 days from 1 June expire on
        # 24 August; the notice names 25 August.
        (LONG_AGO, date(2026, 8, 24), "not_valid"),
        (LONG_AGO, date(2026, 8, 25), "can_be_valid"),
        # Six months or less on receipt (s.54(3)(a); s.64: 1 January + 6 months = 1 July):
        # 28 days are enough.
        (date(2026, 1, 1), date(2026, 6, 30), "can_be_valid"),
        (date(2026, 1, 1), date(2026, 6, 29), "not_valid"),
        # Occupation unknown: 28 days might be enough, 84 might be needed.
        (None, date(2026, 6, 30), "unclear"),
    ],
)
def test_notice_to_leave_84_days(started, leave_on, expected):
    facts = {"served_on": date(2026, 6, 1), "leave_on": leave_on, "tenancy_started_on": started}
    assert (
        verdict(
            "scotland", date(2026, 6, 2), notice_type="notice_to_leave", ground="ground_1", **facts
        )
        == expected
    )


@pytest.mark.parametrize(
    ("leave_on", "expected"),
    [
        # 84 days from 15 January 2028 cross 29 February: they expire on 8 April, so the notice
        # names 9 April (in 2027 it would have been 10 April).
        (date(2028, 4, 8), "not_valid"),
        (date(2028, 4, 9), "can_be_valid"),
    ],
)
def test_notice_to_leave_across_the_leap_day(leave_on, expected):
    facts = {"served_on": date(2028, 1, 15), "leave_on": leave_on, "tenancy_started_on": LONG_AGO}
    assert (
        verdict(
            "scotland", date(2028, 1, 16), notice_type="notice_to_leave", ground="ground_1", **facts
        )
        == expected
    )


@pytest.mark.parametrize(
    ("served_on", "leave_on", "expected"),
    [
        # Before 7 April 2020: 84 days (6 April + 84 = 29 June; named day 30 June).
        (date(2020, 4, 6), date(2020, 6, 30), "can_be_valid"),
        # From 7 April 2020, ground 1 needs six months (Coronavirus (Scotland) Act 2020 sch.1
        # para 2): 7 April + 6 months = 7 October; named day 8 October.
        (date(2020, 4, 7), date(2020, 7, 1), "not_valid"),
        (date(2020, 4, 7), date(2020, 10, 8), "can_be_valid"),
    ],
)
def test_covid_notice_periods_begin_on_7_april_2020(served_on, leave_on, expected):
    facts = {"served_on": served_on, "leave_on": leave_on, "tenancy_started_on": LONG_AGO}
    assert (
        verdict(
            "scotland", date(2020, 11, 1), notice_type="notice_to_leave", ground="ground_1", **facts
        )
        == expected
    )


@pytest.mark.parametrize(
    ("served_on", "leave_on", "expected"),
    [
        # Ground 13 (conviction): three months for notices served to 2 October 2020 ...
        (date(2020, 10, 2), date(2020, 10, 31), "not_valid"),
        # ... 28 days from 3 October 2020 (SSI 2020/270): expires 31 October, names 1 November.
        (date(2020, 10, 3), date(2020, 11, 1), "can_be_valid"),
    ],
)
def test_covid_regrouping_on_3_october_2020(served_on, leave_on, expected):
    facts = {"served_on": served_on, "leave_on": leave_on, "tenancy_started_on": LONG_AGO}
    assert (
        verdict(
            "scotland",
            date(2020, 11, 2),
            notice_type="notice_to_leave",
            ground="ground_13",
            **facts,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("served_on", "expected"),
    [
        # Ground 1 with a named day of 23 June 2022: served 29 March 2022 it needed six months
        # (the Covid periods) ...
        (date(2022, 3, 29), "not_valid"),
        # ... served 30 March 2022, 84 days again: they expire on 22 June, naming 23 June.
        (date(2022, 3, 30), "can_be_valid"),
    ],
)
def test_the_end_of_the_covid_periods(served_on, expected):
    facts = {"served_on": served_on, "leave_on": date(2022, 6, 23), "tenancy_started_on": LONG_AGO}
    assert (
        verdict(
            "scotland", date(2022, 4, 1), notice_type="notice_to_leave", ground="ground_1", **facts
        )
        == expected
    )


def test_cost_of_living_grounds_exist_only_from_28_october_2022_to_31_march_2024():
    facts = {
        "served_on": date(2023, 1, 10),
        "leave_on": date(2023, 3, 1),
        "tenancy_started_on": LONG_AGO,
    }
    result = check(
        "scotland", date(2023, 1, 11), notice_type="notice_to_leave", ground="ground_12a", **facts
    )
    assert result.verdict == "unclear"  # its notice period was not found
    with pytest.raises(law.NoticeFactsInvalid) as raised:
        check(
            "scotland",
            date(2024, 4, 2),
            notice_type="notice_to_leave",
            ground="ground_12a",
            served_on=date(2024, 4, 1),
            leave_on=date(2024, 6, 1),
        )
    assert raised.value.field == "ground"


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # s.55: no application more than six months after the notice period expired (29 June
        # 2026; s.64: six months later is 29 December).
        (date(2026, 12, 29), "can_be_valid"),
        (date(2026, 12, 30), "not_valid"),
    ],
)
def test_notice_to_leave_six_months_to_apply(today, expected):
    facts = {
        "served_on": date(2026, 6, 1),
        "leave_on": date(2026, 6, 30),
        "tenancy_started_on": LONG_AGO,
    }
    assert (
        verdict("scotland", today, notice_type="notice_to_leave", ground="ground_11", **facts)
        == expected
    )


def test_a_scottish_notice_is_assessed_not_deemed():
    facts = {
        "served_on": date(2026, 6, 1),
        "leave_on": date(2026, 6, 30),
        "tenancy_started_on": LONG_AGO,
    }
    result = check(
        "scotland", date(2026, 6, 2), notice_type="notice_to_leave", ground="ground_11", **facts
    )
    assert result.threatened_from is None and not result.threatened_on_check_day
    assert "Housing (Scotland) Act 1987 s.24(4)" in result.citations


# --- notices we cannot check ----------------------------------------------------------------------


@pytest.mark.parametrize("notice_type", ["other", "not_sure"])
@pytest.mark.parametrize("nation", law.NATIONS)
def test_an_unknown_kind_of_notice_is_unclear(nation, notice_type):
    result = check(nation, notice_type=notice_type, served_on=date(2026, 11, 1))
    assert result.verdict == "unclear" and result.threatened_from is None
    assert result.pack_key == law.pack_in_force(nation, date(2026, 11, 1)).key


def test_a_notice_older_than_every_pack_is_unclear():
    result = check(
        "england", notice_type="section_21", served_on=date(2019, 5, 1), leave_on=date(2019, 7, 1)
    )
    assert result.verdict == "unclear"
    assert "1 October 2021" in result.reasons[0]


def test_a_ground_of_other_or_not_sure_counts_as_no_ground():
    facts = {"served_on": date(2026, 11, 20), "leave_on": date(2027, 3, 20)}
    result = check("england", notice_type="section_8", ground="not_sure", **facts)
    assert result.ground is None and result.verdict == "unclear"


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("nation", ["northern_ireland", "England", None, ""])
def test_an_unknown_nation_is_refused(nation):
    with pytest.raises(law.UnknownNation):
        law.check_notice(nation, Facts("section_21"), TODAY)


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (Facts(""), "notice_type"),
        (Facts(7), "notice_type"),
        (Facts("section_99"), "notice_type"),
        (Facts("notice_to_leave"), "notice_type"),  # a Scottish notice in England
        (Facts("section_8", ground="ground_99"), "ground"),
        (Facts("section_8", ground=""), "ground"),
        (Facts("section_8", ground=8), "ground"),
        (Facts("section_21", ground="ground_8", served_on=date(2026, 4, 1)), "ground"),
        (Facts("section_21", served_on=date(2026, 11, 26)), "served_on"),  # the future
        (Facts("section_21", served_on="2026-01-01"), "served_on"),
        (Facts("section_21", served_on=datetime(2026, 1, 1, 9, 0)), "served_on"),
        (Facts("section_8", served_on=date(2026, 6, 2), leave_on=date(2026, 6, 1)), "leave_on"),
        (Facts("section_8", leave_on="soon"), "leave_on"),
        (
            Facts("section_8", served_on=date(2026, 6, 2), tenancy_started_on=date(2026, 6, 3)),
            "tenancy_started_on",
        ),
        (Facts("section_8", tenancy_started_on=20260101), "tenancy_started_on"),
    ],
)
def test_facts_that_contradict_themselves_name_the_field(facts, field):
    with pytest.raises(law.NoticeFactsInvalid) as raised:
        law.check_notice("england", facts, TODAY)
    assert raised.value.field == field
    assert raised.value.field_errors == {field: [raised.value.message]}
    assert isinstance(raised.value, ValueError)
    # The message names the rule, never the facts given.
    for value in (facts.served_on, facts.leave_on, facts.tenancy_started_on):
        if isinstance(value, date):
            assert value.isoformat() not in raised.value.message


def test_today_before_every_pack_is_no_pack_in_force():
    with pytest.raises(law.NoPackInForce):
        law.check_notice("wales", Facts("section_173"), date(2020, 1, 1))


# --- the result as data ---------------------------------------------------------------------------


def sample() -> law.NoticeCheck:
    return check(
        "england",
        date(2026, 6, 2),
        notice_type="section_8",
        ground="ground_8",
        served_on=date(2026, 6, 1),
        leave_on=date(2026, 6, 29),
    )


def test_a_check_round_trips_through_json():
    result = sample()
    as_json = json.loads(json.dumps(result.to_dict()))
    assert as_json["threatened_from"] == "2026-06-01"
    assert law.NoticeCheck.from_dict(as_json) == result


def test_from_dict_refuses_an_unknown_verdict():
    data = sample().to_dict() | {"verdict": "valid"}
    with pytest.raises(ValueError, match="verdict"):
        law.NoticeCheck.from_dict(data)


def test_derived_facts():
    assert law.derived_facts(None) == {}
    facts = law.derived_facts(sample())
    assert facts == {
        "notice_verdict": "can_be_valid",
        "threatened_by_notice": True,
        "notice_threatened_from": "2026-06-01",
    }
    assert set(facts) <= set(law.DERIVED_FACTS)
    not_threatened = law.derived_facts(check("england", notice_type="other"))
    assert not_threatened == {"notice_verdict": "unclear", "threatened_by_notice": False}
    options = [o["value"] for o in law.DERIVED_FACTS["notice_verdict"]["options"]]
    assert options == ["can_be_valid", "not_valid", "unclear"]


def test_reasons_never_repeat_the_facts():
    served, leave, started = date(2026, 6, 3), date(2026, 6, 19), date(2025, 2, 17)
    for ground in ("ground_1", "ground_8", "ground_14", None):
        result = check(
            "england",
            date(2026, 6, 4),
            notice_type="section_8",
            ground=ground,
            served_on=served,
            leave_on=leave,
            tenancy_started_on=started,
        )
        text = " ".join((*result.reasons, result.advice))
        for day in (served, leave, started):
            assert day.isoformat() not in text
            assert f"{day.day} {day:%B %Y}" not in text
