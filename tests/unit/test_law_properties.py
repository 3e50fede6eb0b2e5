"""Properties of the law packs and the notice checker that hold for any nation, date and notice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import law
from shared.law.registry import packs_of

LATEST = date(2040, 12, 31)
nations = st.sampled_from(law.NATIONS)


def earliest(nation: str) -> date:
    return packs_of(nation)[0].effective_from


@given(nation=nations, data=st.data())
def test_exactly_one_pack_is_in_force_from_the_earliest_start(nation, data):
    on = data.draw(st.dates(min_value=earliest(nation), max_value=LATEST))
    in_force = [pack for pack in packs_of(nation) if pack.in_force(on)]
    assert len(in_force) == 1
    assert law.pack_in_force(nation, on) is in_force[0]


@given(nation=nations, data=st.data())
def test_no_pack_is_in_force_before_the_earliest_start(nation, data):
    on = data.draw(st.dates(max_value=earliest(nation) - timedelta(days=1)))
    with pytest.raises(law.NoPackInForce):
        law.pack_in_force(nation, on)


@given(pack=st.sampled_from(law.all_packs()), leave_on=st.dates(date(2000, 1, 1), LATEST))
def test_the_earliest_window_start_is_exact(pack, leave_on):
    start = pack.earliest_window_start(leave_on)
    assert start <= leave_on
    assert pack.threatened_window_last_day(start) >= leave_on
    assert pack.threatened_window_last_day(start - timedelta(days=1)) < leave_on


def notice_facts(nation: str):
    """Consistent facts for any notice type and ground of the nation's packs."""

    @st.composite
    def build(draw):
        served = draw(st.dates(earliest(nation), date(2030, 12, 31)))
        pack = law.pack_in_force(nation, served)
        notice = draw(st.sampled_from(sorted(pack.notice_types.values(), key=lambda n: n.key)))
        ground = (
            draw(st.none() | st.sampled_from(sorted(notice.grounds))) if notice.grounds else None
        )
        leave = served + timedelta(days=draw(st.integers(0, 500)))
        started = draw(st.none() | st.dates(served - timedelta(days=900), served))
        today = served + timedelta(days=draw(st.integers(0, 400)))
        facts = law.NoticeFacts(notice.key, ground, served, leave, started)
        return facts, today

    return build()


@settings(max_examples=300)
@given(data=st.data(), nation=nations)
def test_any_consistent_notice_gets_a_verdict_and_a_threat_inside_its_window(data, nation):
    facts, today = data.draw(notice_facts(nation))
    result = law.check_notice(nation, facts, today)
    assert result.verdict in ("can_be_valid", "not_valid", "unclear")
    assert result.reasons and result.advice and result.citations
    assert law.NoticeCheck.from_dict(result.to_dict()) == result
    threatened_from = result.threatened_from
    if threatened_from is None:
        assert not result.threatened_on_check_day
        return
    assert result.verdict != "not_valid"
    pack = law.pack_in_force(nation, today)
    # Never after the date in the notice, never before service, and the window beginning with
    # it contains the date in the notice ...
    assert facts.served_on <= threatened_from <= facts.leave_on
    assert pack.threatened_window_last_day(threatened_from) >= facts.leave_on
    # ... while the window beginning with the day before does not, unless that day is before
    # service or before the law made such a notice a threat.
    day_before = threatened_from - timedelta(days=1)
    if threatened_from > facts.served_on and threatened_from > pack.effective_from:
        assert pack.threatened_window_last_day(day_before) < facts.leave_on
    assert result.threatened_on_check_day == (threatened_from <= today <= facts.leave_on)


@settings(max_examples=200)
@given(
    served=st.dates(date(2026, 5, 1), date(2030, 12, 31)),
    notice_days=st.integers(0, 200),
    age=st.integers(0, 400),
)
def test_an_english_section_8_threatens_from_56_days_before_its_date(served, notice_days, age):
    # Housing Act 1996 s.175(5) as amended: the 56 days beginning with the day are day..day+55.
    leave = served + timedelta(days=notice_days)
    facts = law.NoticeFacts("section_8", "ground_14", served, leave, None)
    result = law.check_notice("england", facts, served + timedelta(days=age))
    if result.threatened_from is not None:
        assert result.threatened_from == max(served, leave - timedelta(days=55))


@settings(max_examples=200)
@given(
    nation=nations,
    served=st.dates(date(2024, 4, 1), date(2030, 12, 31)),
    shorter=st.integers(1, 60),
)
def test_a_longer_notice_is_never_worse_on_its_notice_period(nation, served, shorter):
    # Moving the date in the notice later can only help the minimum-notice rule: checked on the
    # day of service (so no time limit has run), the longer notice's verdict is at least as good.
    rank = {"not_valid": 0, "unclear": 1, "can_be_valid": 2}
    pack = law.pack_in_force(nation, served)
    for notice in pack.notice_types.values():
        for ground in notice.grounds or [None]:
            long_leave = served + timedelta(days=250)
            short_leave = long_leave - timedelta(days=shorter)
            longer = law.NoticeFacts(notice.key, ground, served, long_leave, date(2020, 1, 1))
            short = law.NoticeFacts(notice.key, ground, served, short_leave, date(2020, 1, 1))
            assert (
                rank[law.check_notice(nation, longer, served).verdict]
                >= rank[law.check_notice(nation, short, served).verdict]
            )
