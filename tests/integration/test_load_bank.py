"""`python -m services.advice.load_bank FILE`: a council loading its own statement bank."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.integration.helpers import rows

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
BANK = {
    "sections": [{"key": "money", "title": "Money"}, {"key": "rights", "title": "Your rights"}],
    "workflows": [
        {"key": "relief", "title": "Relief", "sections": ["money"]},
        {"key": "private_rented_eviction", "title": "Eviction", "sections": ["rights"]},
    ],
    "statements": [
        {
            "key": "council-tax",
            "title": "Council tax support",
            "body": "Apply online.",
            "section": "money",
            "workflows": ["relief"],
            "when": {"contains": ["income_sources", "universal_credit"]},
            "nations": ["england", "wales"],
            "source": "https://www.legislation.gov.uk/ukpga/2012/17/section/10",
            "reviewed_on": date(2026, 11, 25),
        },
        # A council's own section 8 advice, for the law since 1 May 2026, over the derived facts.
        {
            "key": "section-8-threatened",
            "title": "Your section 8 notice",
            "body": "Your notice makes you threatened with homelessness: we will help now.",
            "section": "rights",
            "workflows": ["private_rented_eviction"],
            "when": {
                "all": [
                    {"eq": ["notice_type", "section_8"]},
                    {"eq": ["threatened_by_notice", True]},
                ]
            },
            "nations": ["england"],
            "source": "https://www.legislation.gov.uk/ukpga/1996/52/section/175",
            "reviewed_on": date(2026, 11, 25),
            "effective_from": date(2026, 5, 1),
        },
    ],
}


def load(url, path):
    return subprocess.run(
        [sys.executable, "-m", "services.advice.load_bank", str(path)],
        cwd=ROOT,
        env={**os.environ, "ADVICE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bank_file_loads_versions_and_rejects_bad_statements(make_database_url, tmp_path):
    url = make_database_url("advice")
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(BANK))
    result = load(url, path)
    assert result.returncode == 0, result.stderr
    assert "2 statement version(s) added" in result.stdout
    assert "0 statement version(s) added" in load(url, path).stdout
    assert rows(
        url, "SELECT key FROM statements WHERE reviewed_on = '2026-11-25' ORDER BY key"
    ) == [
        ("council-tax",),
        ("section-8-threatened",),
    ]

    BANK["statements"][0]["body"] = "Apply online or by phone."
    BANK["statements"].append(
        {
            "key": "broken",
            "title": "t",
            "body": "b",
            "section": "money",
            "workflows": ["relief"],
            "when": {"eq": ["tenure", "yurt"]},
            "nations": ["england", "ireland"],
        }
    )
    path.write_text(yaml.safe_dump(BANK))
    result = load(url, path)
    assert result.returncode == 1
    for line in (
        "statement[broken].when: condition at $.eq: on 'tenure': 'yurt' is not one of its options",
        "statement[broken].source: a statement must cite its source: a citation or a URL",
        "statement[broken].nations: unknown nations ['ireland']",
        "statement[broken].reviewed_on: the date the source was last checked (YYYY-MM-DD)",
    ):
        assert line in result.stderr, result.stderr
    # Nothing from the rejected file was stored, not even the valid edit.
    assert rows(url, "SELECT key, version FROM statements ORDER BY key") == [
        ("council-tax", 1),
        ("section-8-threatened", 1),
    ]
