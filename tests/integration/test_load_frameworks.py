"""`python -m services.tasks.load_frameworks FILE`: a council's own task frameworks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integration.helpers import rows

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def load(url, path):
    return subprocess.run(
        [sys.executable, "-m", "services.tasks.load_frameworks", str(path)],
        cwd=ROOT,
        env={**os.environ, "TASKS_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_frameworks_load_and_cycles_are_rejected(make_database_url, tmp_path):
    url = make_database_url("tasks")
    good = {
        "frameworks": {
            "leaving_care": [
                {"key": "contact", "name": "Contact the personal adviser"},
                {
                    "key": "plan",
                    "name": "Agree the plan",
                    "depends_on": [
                        {"task": "contact", "lag": {"amount": 3, "unit": "working_days"}}
                    ],
                },
            ]
        }
    }
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(good))
    result = load(url, tmp_path / "good.yaml")
    assert result.returncode == 0, result.stderr
    cyclic = {
        "frameworks": {
            "loop": [
                {"key": "a", "name": "A", "depends_on": [{"task": "b"}]},
                {"key": "b", "name": "B", "depends_on": [{"task": "a", "type": "sideways"}]},
            ]
        }
    }
    (tmp_path / "cyclic.yaml").write_text(yaml.safe_dump(cyclic))
    result = load(url, tmp_path / "cyclic.yaml")
    assert result.returncode == 1
    assert "frameworks.loop: b: unknown link type 'sideways'" in result.stderr
    stored = {r[0] for r in rows(url, "SELECT workflow FROM task_frameworks")}
    assert "leaving_care" in stored and "loop" not in stored
