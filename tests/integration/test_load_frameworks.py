"""`python -m services.tasks.load_frameworks FILE`: a council's own task frameworks, dated and
bound to nations; the shipped seed never overwrites them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from services.tasks.models import TaskFramework
from services.tasks.seed import load_seed
from shared.db import create_engine_for
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


def write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document))
    return path


LEAVING_CARE = {
    "nations": ["england"],
    "effective_from": "2018-04-03",
    "tasks": [
        {"key": "contact", "name": "Contact the personal adviser"},
        {
            "key": "plan",
            "name": "Agree the plan",
            "depends_on": [{"task": "contact", "lag": {"amount": 3, "unit": "working_days"}}],
        },
    ],
    "on_duty": {
        "relief": [
            {"key": "assessment", "name": "Assess"},
            {"key": "decide", "name": "Decide", "anchor": "day_after"},
        ]
    },
}


def test_frameworks_load_and_bad_ones_are_rejected_naming_each_field(make_database_url, tmp_path):
    url = make_database_url("tasks")
    result = load(url, write(tmp_path, "good.yaml", {"frameworks": {"leaving_care": LEAVING_CARE}}))
    assert result.returncode == 0, result.stderr
    assert "leaving_care/england/2018-04-03" in result.stdout
    bad = {
        "frameworks": {
            "loop": {
                **LEAVING_CARE,
                "tasks": [
                    {"key": "a", "name": "A", "depends_on": [{"task": "b"}]},
                    {"key": "b", "name": "B", "depends_on": [{"task": "a", "type": "sideways"}]},
                ],
            },
            "welsh": {**LEAVING_CARE, "nations": ["cymru"]},
            "backwards": {
                **LEAVING_CARE,
                "effective_from": "2026-05-01",
                "effective_to": "2026-04-30",
            },
            "old_shape": [{"key": "a", "name": "A"}],
        }
    }
    result = load(url, write(tmp_path, "bad.yaml", bad))
    assert result.returncode == 1
    assert "frameworks.loop.tasks: b: unknown link type 'sideways'" in result.stderr
    assert "frameworks.welsh.nations: 'cymru' is not a nation" in result.stderr
    assert (
        "frameworks.backwards.effective_to: 2026-04-30 is before effective_from (2026-05-01)"
        in result.stderr
    )
    assert "frameworks.old_shape: a framework names its nations" in result.stderr
    stored = rows(url, "SELECT id, workflow, origin, version FROM task_frameworks")
    # Nothing of a rejected file is stored, not even its good parts.
    assert stored == [("leaving_care/england/2018-04-03", "leaving_care", "council", 1)]


def test_a_council_edition_survives_the_seed_and_a_new_dated_edition_is_added(
    make_database_url, tmp_path
):
    url = make_database_url("tasks")
    seeded = yaml.safe_load(
        (ROOT / "services/tasks/seed/task_frameworks.yaml").read_text(encoding="utf-8")
    )
    own = {
        "frameworks": {
            "prevention": [
                {**seeded["frameworks"]["prevention"], "effective_to": "2026-12-31"},
                {**LEAVING_CARE, "effective_from": "2027-01-01"},
            ]
        }
    }
    result = load(url, write(tmp_path, "own.yaml", own))
    assert result.returncode == 0, result.stderr
    engine = create_engine_for(url)
    try:
        for _ in range(2):  # what every start of the service does
            with Session(engine) as session, session.begin():
                load_seed(session)
        with Session(engine) as session:
            shipped = session.get(TaskFramework, "prevention/england/2018-04-03")
            assert (shipped.origin, str(shipped.effective_to)) == ("council", "2026-12-31")
            later = session.get(TaskFramework, "prevention/england/2027-01-01")
            assert later.tasks[0]["key"] == "contact"
            relief = session.get(TaskFramework, "relief/england/2018-04-03")
            assert (relief.origin, relief.version) == ("seed", 1)
            assert {"prevention", "relief"} == set(relief.on_duty)
    finally:
        engine.dispose()
