"""The shipped starter template, statement bank and task frameworks fit together."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from scripts.demo import sample_answers
from services.advice.domain import check_bank
from services.documents.rendering import render_statement_body
from services.enquiry import domain as enquiry_domain
from services.tasks.domain import check_framework
from shared.rules import question_keys

ROOT = Path(__file__).resolve().parents[2] / "services"
TEMPLATE = yaml.safe_load((ROOT / "enquiry/seed/starter_template.yaml").read_text())
BANK = yaml.safe_load((ROOT / "advice/seed/statement_bank.yaml").read_text())
FRAMEWORKS = yaml.safe_load((ROOT / "tasks/seed/task_frameworks.yaml").read_text())
QUESTIONS = {q["key"]: q for q in enquiry_domain.questions(TEMPLATE)}
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
    for question in QUESTIONS.values():
        if "show_if" in question:
            assert_condition_fits_template(question["show_if"], question["key"])


def test_demo_answers_are_valid_for_the_starter_template():
    _, errors = enquiry_domain.validate_answers(TEMPLATE, sample_answers(), date.today())
    assert errors == {}


def test_statement_bank_is_valid_and_covers_every_workflow():
    assert check_bank(BANK, QUESTIONS) == {}
    assert len(BANK["statements"]) >= 40
    assert {w["key"] for w in BANK["workflows"]} == WORKFLOWS
    for statement in BANK["statements"]:
        assert_condition_fits_template(statement.get("when", True), statement["key"])


@pytest.mark.parametrize("statement", BANK["statements"], ids=lambda s: s["key"])
def test_every_statement_body_renders(statement):
    for answers in ({}, sample_answers()):
        assert str(render_statement_body(statement["body"], answers)).strip()


def test_task_frameworks_are_valid_for_every_workflow():
    assert set(FRAMEWORKS["frameworks"]) == WORKFLOWS
    for workflow, tasks in FRAMEWORKS["frameworks"].items():
        assert check_framework(tasks) == [], workflow
        assert any(not t.get("depends_on") for t in tasks), workflow
        assert any(t.get("depends_on") for t in tasks), workflow
