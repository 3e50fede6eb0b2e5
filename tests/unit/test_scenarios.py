"""The end-to-end scenarios are valid answers to the starter form and triage where the e2e suite
expects (fast: no services)."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from services.enquiry import domain
from tests.scenarios import SCENARIOS

TEMPLATE = yaml.safe_load(
    (
        Path(__file__).resolve().parents[2] / "services/enquiry/seed/starter_template_v2.yaml"
    ).read_text()
)
TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_is_valid_and_reaches_its_pathway_and_duty(name):
    answers_of, workflow, duty = SCENARIOS[name]
    cleaned, errors = domain.validate_answers(TEMPLATE, answers_of(TODAY), TODAY)
    assert errors == {}
    assessment, problems = domain.assess(TEMPLATE, cleaned, TODAY)
    assert problems == {}
    assert (assessment.workflow, assessment.suggested_duty) == (workflow, duty)
    assert assessment.nation == "england"
