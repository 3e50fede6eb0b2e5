"""`python -m services.enquiry.load_templates FILE...`: the operator's way to publish forms."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integration.helpers import rows

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
STARTER = yaml.safe_load((ROOT / "services/enquiry/seed/starter_template_v2.yaml").read_text())


def load(database_url, *paths, nation="england"):
    return subprocess.run(
        [sys.executable, "-m", "services.enquiry.load_templates", *map(str, paths)],
        cwd=ROOT,
        env={**os.environ, "ENQUIRY_DATABASE_URL": database_url, "COUNCIL_NATION": nation},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_loads_yaml_and_json_and_refuses_bad_or_changed_files(make_database_url, tmp_path):
    url = make_database_url("enquiry")
    form = {**STARTER, "key": "council-form", "title": "Our form", "version": 1}
    (tmp_path / "form.json").write_text(json.dumps(form))
    result = load(url, tmp_path / "form.json")
    assert result.returncode == 0, result.stderr
    assert "form.json: published" in result.stdout
    assert load(url, tmp_path / "form.json").stdout.strip().endswith("unchanged")

    changed = {**form, "title": "Our form, edited"}
    (tmp_path / "changed.yaml").write_text(yaml.safe_dump(changed))
    broken = {**form, "version": 2, "default_workflow": "Not A Key"}
    broken["triage"] = [{"workflow": "relief", "when": {"eq": ["no_such_question", 1]}}]
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken))
    (tmp_path / "garbled.yaml").write_text("key: [unclosed")
    result = load(
        url,
        tmp_path / "changed.yaml",
        tmp_path / "broken.yaml",
        tmp_path / "garbled.yaml",
        tmp_path / "missing.yaml",
    )
    assert result.returncode == 1
    assert "changed.yaml: rejected: council-form version 1 is already published" in result.stderr
    assert "template: default_workflow must be a snake_case workflow key" in result.stderr
    assert "garbled.yaml: rejected" in result.stderr and "missing.yaml: rejected" in result.stderr
    stored = rows(url, "SELECT key, version, title FROM question_templates ORDER BY key")
    assert stored == [("council-form", 1, "Our form")]


def test_a_form_must_declare_its_law_and_be_for_the_councils_nation(make_database_url, tmp_path):
    url = make_database_url("enquiry")
    form = {**STARTER, "key": "council-form", "title": "Our form"}
    (tmp_path / "form.yaml").write_text(yaml.safe_dump(form))
    result = load(url, tmp_path / "form.yaml", nation="scotland")
    assert result.returncode == 1
    assert "nation: this council follows the law of scotland" in result.stderr

    legacy = {k: v for k, v in form.items() if k not in ("nation", "effective_from", "roles")}
    (tmp_path / "legacy.json").write_text(json.dumps(legacy))
    result = load(url, tmp_path / "legacy.json")
    assert result.returncode == 1
    assert "roles: must map each role" in result.stderr

    # Dates in YAML stay text, as they would be in JSON.
    (tmp_path / "dated.yaml").write_text(
        yaml.safe_dump(form).replace("effective_from: '2026-05-01'", "effective_from: 2026-05-01")
    )
    result = load(url, tmp_path / "dated.yaml")
    assert result.returncode == 0, result.stderr
    ((stored,),) = rows(url, "SELECT definition FROM question_templates")
    definition = stored if isinstance(stored, dict) else json.loads(stored)
    assert definition["effective_from"] == "2026-05-01"

    result = load(url, tmp_path / "form.yaml", nation="atlantis")
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == (
        "load_templates: COUNCIL_NATION 'atlantis' is not a nation the suite knows: "
        "one of england, wales, scotland"
    )
