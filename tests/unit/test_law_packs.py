"""The law packs: they load and validate, follow one another by date for each nation, count
periods as the statutes do, and report what changes on the day a new pack starts."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from shared import law
from shared.law.counting import TimeSpan, add_months, last_day_of_months_beginning_with
from shared.law.loader import load_packs


def keys(nation: str) -> list[str]:
    return [pack.key for pack in law.all_packs() if pack.nation == nation]


def test_every_pack_loads_in_nation_then_date_order():
    packs = law.all_packs()
    assert [p.nation for p in packs] == sorted((p.nation for p in packs), key=law.NATIONS.index)
    assert keys("england") == ["england-2021-10-01", "england-2026-05-01"]
    assert keys("wales") == ["wales-2022-12-01", "wales-2023-06-01"]
    assert keys("scotland") == [
        "scotland-2017-12-01",
        "scotland-2020-04-07",
        "scotland-2020-10-03",
        "scotland-2022-03-30",
        "scotland-2022-10-28",
        "scotland-2024-04-01",
    ]


def test_every_pack_names_its_law_and_sources():
    for pack in law.all_packs():
        assert pack.title and pack.summary and pack.homelessness_law and pack.threatened_citation
        assert any(source.startswith("http") for source in pack.sources), pack.key
        for notice in pack.notice_types.values():
            assert notice.citation and notice.threatened.citation
            for ground in notice.grounds.values():
                assert ground.citation and ground.label


@pytest.mark.parametrize(
    ("nation", "last_day", "first_day", "before", "after"),
    [
        # The Renters' Rights Act 2025 possession changes: 1 May 2026 (SI 2026/421 reg 2).
        (
            "england",
            date(2026, 4, 30),
            date(2026, 5, 1),
            "england-2021-10-01",
            "england-2026-05-01",
        ),
        # Converted Welsh contracts move to six months' notice from 1 June 2023 (unverified).
        ("wales", date(2023, 5, 31), date(2023, 6, 1), "wales-2022-12-01", "wales-2023-06-01"),
        # Coronavirus (Scotland) Act 2020 in force 7 April 2020.
        (
            "scotland",
            date(2020, 4, 6),
            date(2020, 4, 7),
            "scotland-2017-12-01",
            "scotland-2020-04-07",
        ),
        # SSI 2020/270 regroups the periods for notices served from 3 October 2020.
        (
            "scotland",
            date(2020, 10, 2),
            date(2020, 10, 3),
            "scotland-2020-04-07",
            "scotland-2020-10-03",
        ),
        # The temporary periods end after 29 March 2022 (Shelter Scotland).
        (
            "scotland",
            date(2022, 3, 29),
            date(2022, 3, 30),
            "scotland-2020-10-03",
            "scotland-2022-03-30",
        ),
        # Cost of Living (Tenant Protection) (Scotland) Act 2022: 28 October 2022 ...
        (
            "scotland",
            date(2022, 10, 27),
            date(2022, 10, 28),
            "scotland-2022-03-30",
            "scotland-2022-10-28",
        ),
        # ... to 31 March 2024.
        (
            "scotland",
            date(2024, 3, 31),
            date(2024, 4, 1),
            "scotland-2022-10-28",
            "scotland-2024-04-01",
        ),
    ],
)
def test_pack_in_force_on_the_last_and_first_day_of_adjacent_packs(
    nation, last_day, first_day, before, after
):
    assert law.pack_in_force(nation, last_day).key == before
    assert law.pack_in_force(nation, first_day).key == after
    assert law.pack_in_force(nation, last_day).in_force(last_day)
    assert not law.pack_in_force(nation, last_day).in_force(first_day)


@pytest.mark.parametrize(
    ("nation", "day_before_earliest"),
    [
        ("england", date(2021, 9, 30)),  # the Coronavirus Act 2020 notice periods end 30 Sept 2021
        ("wales", date(2022, 11, 30)),  # Renting Homes (Wales) Act 2016 from 1 December 2022
        ("scotland", date(2017, 11, 30)),  # private residential tenancies from 1 December 2017
    ],
)
def test_no_pack_before_the_earliest(nation, day_before_earliest):
    with pytest.raises(law.NoPackInForce) as raised:
        law.pack_in_force(nation, day_before_earliest)
    assert raised.value.nation == nation and raised.value.on == day_before_earliest


def test_an_unknown_nation_is_refused_naming_the_nations():
    with pytest.raises(law.UnknownNation) as raised:
        law.pack_in_force("northern_ireland", date(2026, 1, 1))
    assert raised.value.nation == "northern_ireland"
    assert all(nation in str(raised.value) for nation in law.NATIONS)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("configured", "nation"),
    [
        (None, "england"),
        ("", "england"),
        ("  ", "england"),
        ("wales", "wales"),
        (" Scotland ", "scotland"),
    ],
)
def test_council_nation_defaults_to_england(configured, nation):
    assert law.council_nation(configured) == nation


@pytest.mark.parametrize("configured", ["narnia", "northern ireland", 7])
def test_council_nation_refuses_anything_else(configured):
    with pytest.raises(law.UnknownNation):
        law.council_nation(configured)


def test_changes_on_the_renters_rights_act_day():
    change = law.changes_on("england", date(2026, 5, 1))
    assert change is not None
    assert (change.nation, change.on) == ("england", date(2026, 5, 1))
    assert change.before.key == "england-2021-10-01"
    assert change.after.key == "england-2026-05-01"
    # s.21 abolished, s.8 grounds and periods changed, a social-housing s.21 added; the council
    # tenancy notice (Housing Act 1985 s.83) is unchanged.
    assert change.changed_notice_types == {"section_21", "section_8", "section_21_social_housing"}


def test_changes_on_other_days():
    assert law.changes_on("england", date(2026, 5, 2)) is None
    first = law.changes_on("england", date(2021, 10, 1))
    assert first.before is None and first.changed_notice_types == {
        "section_21",
        "section_8",
        "secure_tenancy_nosp",
    }
    assert law.changes_on("wales", date(2023, 6, 1)).changed_notice_types == {
        "section_173_converted"
    }
    for day in (date(2020, 4, 7), date(2022, 10, 28), date(2024, 4, 1)):
        assert law.changes_on("scotland", day).changed_notice_types == {"notice_to_leave"}
    with pytest.raises(law.UnknownNation):
        law.changes_on("narnia", date(2026, 5, 1))


def test_englands_review_categories_are_the_case_lifecycles():
    from services.cases.lifecycle import REVIEW_CATEGORIES

    for pack in law.all_packs():
        if pack.nation == "england":
            assert list(pack.review_categories) == list(REVIEW_CATEGORIES)


def test_welsh_and_scottish_review_categories():
    # SI 2015/1266 reg 6(1)(a)-(c); Housing (Scotland) Act 1987 s.35A.
    assert law.pack_in_force("wales", date(2026, 1, 1)).review_categories == (
        "standard",
        "local_connection_joint",
        "appointed_person",
    )
    assert law.pack_in_force("scotland", date(2026, 1, 1)).review_categories == ("standard",)


@pytest.mark.parametrize(
    ("nation", "today", "last"),
    [
        # 56 days beginning with 1 March 2027 end on 25 April (HA 1996 s.175(4); docs/law.md §1.2).
        ("england", date(2027, 3, 1), date(2027, 4, 25)),
        # Housing (Wales) Act 2014 s.55(4), the same 56 days.
        ("wales", date(2027, 3, 1), date(2027, 4, 25)),
        # Housing (Scotland) Act 1987 s.24(4): two months beginning with 15 January 2027.
        ("scotland", date(2027, 1, 15), date(2027, 3, 14)),
        # ... beginning with 31 December 2026: February has no 31st, so its last day.
        ("scotland", date(2026, 12, 31), date(2027, 2, 28)),
    ],
)
def test_threatened_window_last_day(nation, today, last):
    assert law.pack_in_force(nation, today).threatened_window_last_day(today) == last


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 6, 25), 2, date(2025, 8, 25)),  # Shelter's s.21 example: 25 June -> 25 August
        (date(2025, 12, 31), 2, date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # ... in a leap year
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_months_after_a_day(day, months, expected):
    assert add_months(day, months) == expected
    assert TimeSpan(months, "months").end(day) == expected


@pytest.mark.parametrize(
    ("day", "months", "last"),
    [
        (date(2025, 1, 31), 4, date(2025, 5, 30)),  # 4 months beginning with 31 January
        (date(2027, 10, 31), 4, date(2028, 2, 29)),  # no 31 February 2028: its last day
        (date(2027, 10, 28), 4, date(2028, 2, 27)),
        (date(2026, 3, 1), 6, date(2026, 8, 31)),  # s.21(4D): 6 months beginning with 1 March
    ],
)
def test_months_beginning_with_a_day(day, months, last):
    assert last_day_of_months_beginning_with(day, months) == last
    assert TimeSpan(months, "months", "beginning_with").end(day) == last


def test_days_and_weeks():
    assert TimeSpan(2, "weeks").end(date(2026, 6, 1)) == date(2026, 6, 15)  # "from" service
    assert TimeSpan(56, "days", "beginning_with").end(date(2027, 3, 1)) == date(2027, 4, 25)
    assert TimeSpan(28, "days", add_days=1).end(date(2026, 6, 1)) == date(2026, 6, 30)
    assert TimeSpan(0, "days").describe() == "no minimum notice"
    assert TimeSpan(1, "months").describe() == "1 month"
    with pytest.raises(ValueError):
        TimeSpan(2, "fortnights")
    with pytest.raises(ValueError):
        TimeSpan(0, "days", "beginning_with")


def test_the_pack_files_ship_with_the_package():
    packs = resources.files("shared.law").joinpath("packs")
    assert {"england.yaml", "wales.yaml", "scotland.yaml"} <= {p.name for p in packs.iterdir()}


GOOD_PACK = """
nation: wales
common:
  homelessness_law: Housing (Wales) Act 2014 Part 2
  threatened_within: {length: 56, unit: days}
  threatened_citation: s.55(4)
  review_categories: [standard]
  sources: [https://www.legislation.gov.uk/]
packs:
  - key: wales-2022-12-01
    title: one
    summary: one
    effective_from: 2022-12-01
    effective_to: 2023-05-31
    notice_types: &types
      section_173:
        label: notice
        citation: s.173
        minimum_notice: {length: 6, unit: months, citation: s.174}
        threatened: {rule: assess, citation: s.55(4)}
  - key: wales-2023-06-01
    title: two
    summary: two
    effective_from: 2023-06-01
    notice_types: *types
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "wales.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_good_pack_file_loads(tmp_path):
    packs = load_packs(write(tmp_path, GOOD_PACK))
    assert [p.key for p in packs] == ["wales-2022-12-01", "wales-2023-06-01"]
    assert packs[0].threatened_within == TimeSpan(56, "days", "beginning_with")


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("minimum_notice: {", "minimum_notise: {", "unknown keys ['minimum_notise']"),
        ("    title: one\n", "", "missing ['title']"),
        ("wales-2022-12-01", "wales-2022-12-02", "must be wales-2022-12-01"),
        ("effective_to: 2023-05-31", "effective_to: 2023-05-30", "must start the day after"),
        ("effective_to: 2023-05-31", "effective_to: 2022-11-01", "is before effective_from"),
        ("unit: months, citation: s.174", "unit: moons, citation: s.174", "unit"),
        ("citation: s.174}", "citation: s.174, unverified: true}", "needs a note"),
        ("rule: assess", "rule: maybe", "must be one of deemed, assess"),
        ("      section_173:", "      other:", "not 'other' or 'not_sure'"),
        ("nation: wales", "nation: mercia", "must be one of england, wales, scotland"),
        ("effective_from: 2022-12-01", "effective_from: soon", "must be a date"),
        (
            "        minimum_notice: {length: 6, unit: months, citation: s.174}\n",
            "",
            "needs a minimum_notice",
        ),
        ("review_categories: [standard]", "review_categories: [standard, standard]", "twice"),
    ],
)
def test_a_broken_pack_file_is_refused_saying_where(tmp_path, old, new, complaint):
    assert old in GOOD_PACK
    with pytest.raises(law.LawPackInvalid) as raised:
        load_packs(write(tmp_path, GOOD_PACK.replace(old, new)))
    assert complaint in str(raised.value)
    assert raised.value.where.startswith("wales")


def test_the_last_pack_of_a_nation_is_open_ended(tmp_path):
    text = GOOD_PACK.replace(
        "    effective_from: 2023-06-01\n",
        "    effective_from: 2023-06-01\n    effective_to: 2030-01-01\n",
    )
    with pytest.raises(law.LawPackInvalid, match="no end date"):
        load_packs(write(tmp_path, text))


def test_yaml_that_does_not_parse_is_refused(tmp_path):
    with pytest.raises(law.LawPackInvalid, match="not valid YAML"):
        load_packs(write(tmp_path, "nation: [wales"))
