"""The shipped starter template, statement bank and task frameworks fit together."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from scripts.demo import sample_answers
from services.advice.domain import StatementVersion, check_bank
from services.advice.seed import questions_of, statement_fields
from services.documents.rendering import render_statement_body
from services.enquiry import domain as enquiry_domain
from services.tasks.frameworks import parse_document
from shared.law import DERIVED_FACTS, NATIONS
from shared.rules import question_keys
from tests.pathways import PATHWAYS

ROOT = Path(__file__).resolve().parents[2] / "services"
# The current starter form (version 2); version 1 is kept as history.
TEMPLATE = yaml.safe_load((ROOT / "enquiry/seed/starter_template_v2.yaml").read_text())
BANK = yaml.safe_load((ROOT / "advice/seed/statement_bank.yaml").read_text())
FRAMEWORKS = yaml.safe_load((ROOT / "tasks/seed/task_frameworks.yaml").read_text())
# Rules may also use the facts the notice checker derives and the template's computed dates.
QUESTIONS = {
    **{q["key"]: q for q in enquiry_domain.questions(TEMPLATE)},
    **DERIVED_FACTS,
    **{c["key"]: {"key": c["key"], "type": "date"} for c in TEMPLATE.get("computed_dates", [])},
}
WORKFLOWS = enquiry_domain.workflows(TEMPLATE)


def literal_values(condition):
    """(question key, value) pairs compared by equality, membership or contains."""
    if isinstance(condition, bool):
        return []
    ((operator, operand),) = condition.items()
    if operator in ("all", "any"):
        return [pair for child in operand for pair in literal_values(child)]
    if operator == "not":
        return literal_values(operand)
    if operator in ("eq", "ne", "contains"):
        return [(operand[0], operand[1])]
    if operator == "in":
        return [(operand[0], value) for value in operand[1]]
    return []


def assert_condition_fits_template(condition, where):
    assert question_keys(condition) <= set(QUESTIONS), where
    for key, value in literal_values(condition):
        question = QUESTIONS[key]
        if question["type"] in ("single_choice", "multiple_choice"):
            assert value in [o["value"] for o in question["options"]], (where, key, value)
        if question["type"] == "boolean":
            assert isinstance(value, bool), (where, key, value)


def test_starter_template_is_valid():
    assert enquiry_domain.check_template(TEMPLATE) == {}
    for rule in TEMPLATE["triage"]:
        assert_condition_fits_template(rule["when"], f"triage {rule['workflow']}")
    for rule in TEMPLATE["duty_triage"]:
        assert_condition_fits_template(rule["when"], f"duty triage {rule['duty']}")
    for question in QUESTIONS.values():
        if "show_if" in question:
            assert_condition_fits_template(question["show_if"], question["key"])


def test_demo_answers_are_valid_for_the_starter_template():
    _, errors = enquiry_domain.validate_answers(TEMPLATE, sample_answers(), date.today())
    assert errors == {}


# --- the statement bank (advice) ---------------------------------------------------------------
# The bank is checked against the newest starter form (version 2) and the derived facts.
TEMPLATE_V2 = yaml.safe_load((ROOT / "enquiry/seed/starter_template_v2.yaml").read_text())
BANK_TODAY = date(2026, 11, 25)
# Content version 1's keys: a statement is closed with a date, never deleted, so an enquiry
# matched on a day it applied keeps its meaning and a council's database never keeps a stale one.
CONTENT_V1_KEYS = {
    "contact-us-early", "prevention-duty", "relief-duty", "personalised-housing-plan",
    "keep-in-touch", "review-rights", "homeless-tonight", "interim-accommodation-priority-need",
    "children-in-household", "pregnancy", "do-not-leave-early", "notice-expiry-soon",
    "s21-check-validity", "s21-court-process", "s8-grounds", "notice-unsure",
    "negotiate-with-landlord", "illegal-eviction", "bring-documents", "da-safety-first",
    "da-no-need-to-stay", "da-priority-need", "da-any-council", "da-specialist-support",
    "da-stay-safe-at-home", "da-harassment", "mortgage-talk-to-lender", "mortgage-pre-action",
    "mortgage-free-debt-advice", "mortgage-smi", "mortgage-selling-options",
    "universal-credit-housing", "discretionary-housing-payment", "no-income",
    "working-household", "mental-health-support", "physical-health-support",
    "substance-misuse-support", "care-leaver", "armed-forces", "duty-to-refer",
    "leaving-prison", "leaving-hospital", "housing-register", "private-renting-options",
    "social-tenant-rights", "staying-with-family", "advice-only-next-steps",
}  # fmt: skip


def bank_statements_in_force(workflow, nation):
    """What a pack for this workflow can hold: its sections, its nation, today's law."""
    (sections,) = [w["sections"] for w in BANK["workflows"] if w["key"] == workflow]
    return [
        s
        for s in (
            StatementVersion(key=item["key"], version=1, **statement_fields(item))
            for item in BANK["statements"]
        )
        if workflow in s.workflows
        and s.section in sections
        and nation in s.nations
        and s.in_effect(BANK_TODAY)
    ]


def test_statement_bank_is_valid_for_the_starter_template_v2():
    assert check_bank(BANK, questions_of(TEMPLATE_V2), BANK_TODAY) == {}
    assert len(BANK["statements"]) >= 80
    assert {w["key"] for w in BANK["workflows"]} == PATHWAYS
    assert {s["key"] for s in BANK["statements"]} >= CONTENT_V1_KEYS


@pytest.mark.parametrize("statement", BANK["statements"], ids=lambda s: s["key"])
def test_every_statement_names_its_law(statement):
    # A legislation.gov.uk section, or official guidance (gov.uk, justice.gov.uk, gov.scot).
    assert any(site in statement["source"] for site in ("gov.uk/", "gov.scot/"))
    assert isinstance(statement["reviewed_on"], date) and statement["reviewed_on"] <= BANK_TODAY
    assert statement["nations"] and set(statement["nations"]) <= set(NATIONS)
    start, end = statement.get("effective_from"), statement.get("effective_to")
    assert start is None or end is None or start <= end


@pytest.mark.parametrize("workflow", sorted(PATHWAYS))
def test_every_workflow_has_advice_in_every_nation(workflow):
    # The starter template is England's: every pathway gets a real pack there. Wales and
    # Scotland get at least the statements written for their law, until their templates come.
    england = {s.key for s in bank_statements_in_force(workflow, "england")}
    assert len(england) >= 4, england
    if workflow != "advice_only":
        assert {"review-rights", "contact-us-early"} <= england
    if workflow not in ("advice_only", "no_recourse_public_funds"):
        assert "personalised-housing-plan" in england
    for nation in ("wales", "scotland"):
        assert bank_statements_in_force(workflow, nation), (workflow, nation)


def test_law_that_changed_on_1_may_2026_is_closed_and_replaced_the_next_day():
    closed = {s["key"] for s in BANK["statements"] if s.get("effective_to") == date(2026, 4, 30)}
    started = {s["key"] for s in BANK["statements"] if s.get("effective_from") == date(2026, 5, 1)}
    assert {"s21-check-validity", "s21-court-process", "s8-grounds"} <= closed
    assert {"s21-after-cutoff", "s8-what-landlord-must-prove", "s8-court-process"} <= started


@pytest.mark.parametrize("statement", BANK["statements"], ids=lambda s: s["key"])
def test_every_statement_body_renders(statement):
    for answers in ({}, sample_answers()):
        assert str(render_statement_body(statement["body"], answers)).strip()


def test_task_frameworks_are_valid_for_every_workflow():
    # Frameworks v2: dated editions with a duty part (tests/unit/test_task_frameworks_v2.py).
    editions = parse_document(FRAMEWORKS)
    assert {edition.workflow for edition in editions} >= WORKFLOWS
    for edition in editions:
        assert any(not t.get("depends_on") for t in edition.tasks), edition.workflow
