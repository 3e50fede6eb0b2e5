"""`python -m services.advice.load_bank FILE`: a council loading its own statement bank."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integration.helpers import rows

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
BANK = {
    "sections": [{"key": "money", "title": "Money"}],
    "workflows": [{"key": "relief", "title": "Relief", "sections": ["money"]}],
    "statements": [
        {
            "key": "council-tax",
            "title": "Council tax support",
            "body": "Apply online.",
            "section": "money",
            "workflows": ["relief"],
            "when": {"contains": ["income_sources", "universal_credit"]},
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
    assert "1 statement version(s) added" in result.stdout
    assert "0 statement version(s) added" in load(url, path).stdout

    BANK["statements"][0]["body"] = "Apply online or by phone."
    BANK["statements"].append(
        {
            "key": "broken",
            "title": "t",
            "body": "b",
            "section": "money",
            "workflows": ["relief"],
            "when": {"eq": ["tenure", "yurt"]},
        }
    )
    path.write_text(yaml.safe_dump(BANK))
    result = load(url, path)
    assert result.returncode == 1
    assert (
        "statements.broken: condition at $.eq: on 'tenure': 'yurt' is not one of its options"
        in result.stderr
    )
    # Nothing from the rejected file was stored, not even the valid edit.
    assert rows(url, "SELECT key, version FROM statements") == [("council-tax", 1)]
