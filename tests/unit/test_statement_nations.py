"""Statements name their nations, dates and source: a statement never matches outside its
nations or dates, and one that cites no source, names an unknown nation or was reviewed in the
future is refused, naming the field."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from services.advice import schemas, seed
from services.advice.domain import (
    CompiledBank,
    StatementVersion,
    WorkflowDefinition,
    check_statement,
    match_facts,
)
from services.advice.models import Base, Statement
from shared.clock import london_date
from shared.envelope import Envelope
from shared.errors import ValidationFailed
from shared.law import NATIONS, UnknownNation

COMMENCEMENT = date(2026, 5, 1)  # Renters' Rights Act 2025: section 21 gone for new notices
LAST_OLD_DAY = COMMENCEMENT - timedelta(days=1)
TODAY = date(2026, 11, 25)
BANK_FILE = Path(__file__).resolve().parents[2] / "services/advice/seed/statement_bank.yaml"
WORKFLOW = WorkflowDefinition("private_rented_eviction", "Eviction", ("act_now", "your_rights"))


def statement(key, nations=("england",), **extra):
    fields = dict(
        version=1,
        title=key,
        body="b",
        section="your_rights",
        priority=1,
        workflows=("private_rented_eviction",),
        condition=True,
        source="Housing Act 1996 s.179",
        reviewed_on=TODAY,
    )
    return StatementVersion(key=key, nations=tuple(nations), **{**fields, **extra})


OLD_LAW = statement("s21-old", effective_to=LAST_OLD_DAY, condition={"eq": ["notice", "s21"]})
NEW_LAW = statement("s8-new", effective_from=COMMENCEMENT, condition={"eq": ["notice", "s8"]})
WALES = statement("wales-s173", nations=("wales",), condition={"eq": ["notice", "s173"]})
EVERYWHERE = statement("talk-to-us", nations=NATIONS, section="act_now")
BANK = CompiledBank([OLD_LAW, NEW_LAW, WALES, EVERYWHERE], [WORKFLOW])


def keys(chosen):
    return [s.key for s in chosen]


@pytest.mark.parametrize(
    ("nation", "on", "notice", "expected"),
    [
        ("england", LAST_OLD_DAY, "s21", ["talk-to-us", "s21-old"]),
        ("england", COMMENCEMENT, "s21", ["talk-to-us"]),
        ("england", LAST_OLD_DAY, "s8", ["talk-to-us"]),
        ("england", COMMENCEMENT, "s8", ["talk-to-us", "s8-new"]),
        ("england", TODAY, "s173", ["talk-to-us"]),
        ("wales", LAST_OLD_DAY, "s21", ["talk-to-us"]),
        ("wales", COMMENCEMENT, "s8", ["talk-to-us"]),
        ("wales", TODAY, "s173", ["talk-to-us", "wales-s173"]),
        ("scotland", TODAY, "s8", ["talk-to-us"]),
    ],
)
def test_a_statement_matches_only_in_its_nations_and_dates(nation, on, notice, expected):
    assert keys(BANK.match(WORKFLOW.key, {"notice": notice}, on, nation)) == expected


def test_an_unknown_nation_is_refused_not_matched_as_england():
    with pytest.raises(UnknownNation):
        BANK.match(WORKFLOW.key, {}, TODAY, "ireland")
    with pytest.raises(UnknownNation):
        BANK.why("talk-to-us", WORKFLOW.key, {}, TODAY, "ireland")
    with pytest.raises(KeyError):
        BANK.match("moon", {}, TODAY, "england")


def test_why_names_the_nation_and_the_dates():
    why = BANK.why("s8-new", WORKFLOW.key, {"notice": "s8"}, LAST_OLD_DAY, "england")
    assert (why["chosen"], why["in_effect"], why["for_nation"]) == (False, False, True)
    assert why["effective_from"] == "2026-05-01" and why["nations"] == ["england"]
    why = BANK.why("wales-s173", WORKFLOW.key, {"notice": "s173"}, TODAY, "england")
    assert (why["chosen"], why["for_nation"], why["in_effect"]) == (False, False, True)


days = st.dates(date(2026, 1, 1), date(2027, 12, 31))
bank_statements = st.lists(
    st.builds(
        statement,
        key=st.text("abcdefgh", min_size=1, max_size=4),
        nations=st.lists(st.sampled_from(NATIONS), min_size=1, max_size=3, unique=True),
        section=st.sampled_from(["act_now", "your_rights"]),
        condition=st.sampled_from([True, {"eq": ["notice", "s8"]}, {"eq": ["notice", "s21"]}]),
        effective_from=st.none() | days,
        effective_to=st.none() | days,
    ),
    max_size=20,
    unique_by=lambda s: s.key,
)


@settings(max_examples=300, deadline=None)
@given(bank_statements, st.sampled_from(NATIONS), days, st.sampled_from(["s8", "s21", None]))
def test_no_statement_is_ever_chosen_outside_its_nations_or_dates(statements, nation, on, notice):
    chosen = CompiledBank(statements, [WORKFLOW]).match(
        WORKFLOW.key, {"notice": notice}, on, nation
    )
    assert all(nation in s.nations and s.in_effect(on) for s in chosen)


def test_conditions_see_the_derived_facts_and_they_win_over_answers():
    threatened = statement("threatened", condition={"eq": ["threatened_by_notice", True]})
    bank = CompiledBank([threatened], [WORKFLOW])
    facts = match_facts({"threatened_by_notice": False}, {"threatened_by_notice": True})
    assert keys(bank.match(WORKFLOW.key, facts, TODAY, "england")) == ["threatened"]
    assert bank.match(WORKFLOW.key, match_facts({}, {}), TODAY, "england") == []


# --- refused when loaded or saved -----------------------------------------------------------------

SECTIONS, WORKFLOWS = {"your_rights"}, {"private_rented_eviction"}


def bank_item(**fields):
    item = {
        "key": "s8-grounds-v2",
        "title": "Section 8",
        "body": "Your landlord must prove a ground.",
        "section": "your_rights",
        "workflows": ["private_rented_eviction"],
        "nations": ["england"],
        "source": "Housing Act 1988 s.8",
        "reviewed_on": TODAY,
        "effective_from": COMMENCEMENT,
    }
    return {**item, **fields}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"source": None}, "source", "a statement must cite its source"),
        ({"source": "   "}, "source", "a statement must cite its source"),
        ({"nations": ["england", "ireland"]}, "nations", "unknown nations ['ireland']"),
        ({"nations": []}, "nations", "nations must be a non-empty list"),
        ({"nations": None}, "nations", "nations must be a non-empty list"),
        ({"nations": ["wales", "wales"]}, "nations", "a nation is listed twice"),
        ({"reviewed_on": TODAY + timedelta(days=1)}, "reviewed_on", "is after today"),
        ({"reviewed_on": None}, "reviewed_on", "the date the source was last checked"),
        ({"reviewed_on": "2026-11-25"}, "reviewed_on", "the date the source was last checked"),
        ({"effective_to": LAST_OLD_DAY}, "effective_to", "effective_to is before effective_from"),
    ],
)
def test_a_statement_without_its_law_is_refused_naming_the_field(change, field, message):
    problems = check_statement(bank_item(**change), SECTIONS, WORKFLOWS, None, TODAY)
    assert list(problems) == [field]
    assert any(message in m for m in problems[field]), problems


def test_a_complete_statement_passes_and_reviewed_today_is_allowed():
    assert check_statement(bank_item(), SECTIONS, WORKFLOWS, None, TODAY) == {}


@pytest.fixture
def session():
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_loading_a_statement_citing_no_source_stores_nothing(session):
    bank = {
        "sections": [{"key": "your_rights", "title": "Your rights"}],
        "workflows": [
            {"key": "private_rented_eviction", "title": "E", "sections": ["your_rights"]}
        ],
        "statements": [bank_item(), bank_item(key="no-source", source="")],
    }
    with pytest.raises(ValidationFailed) as error:
        seed.load_bank(session, bank, today=TODAY)
    assert list(error.value.field_errors) == ["statement[no-source].source"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Statement)) == 0


def test_a_new_source_or_nation_is_a_new_version(session):
    bank = {
        "sections": [{"key": "your_rights", "title": "Your rights"}],
        "workflows": [
            {"key": "private_rented_eviction", "title": "E", "sections": ["your_rights"]}
        ],
        "statements": [bank_item()],
    }
    assert seed.load_bank(session, bank, today=TODAY) == 1
    assert seed.load_bank(session, bank, today=TODAY) == 0
    bank["statements"] = [bank_item(nations=["england", "wales"])]
    assert seed.load_bank(session, bank, today=TODAY) == 1
    versions = session.scalars(sa.select(Statement).order_by(Statement.version)).all()
    assert [(v.version, v.nations, v.reviewed_on) for v in versions] == [
        (1, ["england"], TODAY),
        (2, ["england", "wales"], TODAY),
    ]


# --- the enquiry.submitted event: nation and derived facts ----------------------------------------


def submitted(version, **data):
    base = {
        "enquiry_id": "e-1",
        "template": {"key": "housing-options-enquiry", "version": 1},
        "workflow": "private_rented_eviction",
        "workflow_source": "triage",
        "answers": {"full_name": "Jo Bloggs"},
        "submitted_at": "2026-04-30T23:30:00Z",
    }
    return Envelope(
        type="enquiry.submitted",
        version=version,
        source="enquiry",
        correlation_id="c-1",
        data={**base, **data},
    )


def test_a_version_1_event_is_england_with_no_derived_facts():
    data = schemas.submitted_enquiry(submitted(1))
    assert (data["nation"], data["derived"]) == ("england", {})
    # 23:30 UTC on 30 April is 00:30 on 1 May in London: the new law's day.
    assert london_date(data["submitted_at"]) == COMMENCEMENT


def test_a_version_2_event_carries_its_nation_and_derived_facts():
    derived = {"notice_verdict": "can_be_valid", "threatened_by_notice": True}
    data = schemas.submitted_enquiry(submitted(2, nation="wales", derived=derived))
    assert (data["nation"], data["derived"]) == ("wales", derived)


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (submitted(2, nation="ireland", derived={}), "data.nation"),
        (submitted(2, derived={}), "data.nation"),
        (submitted(3, nation="england", derived={}), "version"),
    ],
)
def test_a_bad_event_is_refused_naming_the_field(event, field):
    with pytest.raises(ValidationFailed) as error:
        schemas.submitted_enquiry(event)
    assert field in error.value.field_errors


# --- the shipped bank on both sides of 1 May 2026 ------------------------------------------------

SHIPPED = yaml.safe_load(BANK_FILE.read_text())
SHIPPED_BANK = CompiledBank(
    [
        StatementVersion(key=item["key"], version=1, **seed.statement_fields(item))
        for item in SHIPPED["statements"]
    ],
    [WorkflowDefinition(w["key"], w["title"], tuple(w["sections"])) for w in SHIPPED["workflows"]],
)
PRIVATE_TENANT = {"tenure": "private_rented", "has_notice": True, "homeless_tonight": False}


def shipped(answers, on, nation="england", workflow="private_rented_eviction"):
    return set(keys(SHIPPED_BANK.match(workflow, answers, on, nation)))


def test_section_21_advice_closes_on_30_april_2026_and_the_cut_off_statement_follows():
    s21 = {**PRIVATE_TENANT, "notice_type": "section_21"}
    before, after = shipped(s21, LAST_OLD_DAY), shipped(s21, COMMENCEMENT)
    assert {"s21-check-validity", "s21-court-process"} <= before
    assert "s21-after-cutoff" not in before
    assert "s21-after-cutoff" in after
    assert not {"s21-check-validity", "s21-court-process"} & after
    assert "s21-after-cutoff" in shipped(s21, TODAY)


def test_section_8_advice_follows_the_renters_rights_act_from_1_may_2026():
    s8 = {**PRIVATE_TENANT, "notice_type": "section_8", "notice_ground": "ground_1a"}
    before, after = shipped(s8, LAST_OLD_DAY), shipped(s8, COMMENCEMENT)
    assert "s8-grounds" in before and "s8-what-landlord-must-prove" not in before
    assert {"s8-what-landlord-must-prove", "s8-landlord-moving-in-or-selling"} <= after
    assert "s8-grounds" not in after
    threatened = shipped({**s8, "threatened_by_notice": True}, TODAY)
    assert "notice-threatened" in threatened


def test_a_welsh_tenant_gets_welsh_law_and_nothing_written_only_for_england():
    nations_of = {item["key"]: item["nations"] for item in SHIPPED["statements"]}
    welsh = shipped({**PRIVATE_TENANT, "notice_type": "other"}, TODAY, "wales")
    assert "wales-section-173-notice" in welsh
    assert all("wales" in nations_of[key] for key in welsh)
    scottish = shipped(PRIVATE_TENANT, TODAY, "scotland")
    assert "scotland-notice-to-leave" in scottish
    assert all("scotland" in nations_of[key] for key in scottish)
