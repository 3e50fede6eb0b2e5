"""Load task frameworks (one per workflow) from YAML; a changed framework gets a new version and
applies to cases opened from then on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from services.tasks import domain, repository
from services.tasks.models import TaskFramework
from shared.clock import utcnow
from shared.errors import ValidationFailed

SEED_DIR = Path(__file__).parent / "seed"


def load_frameworks(session: Session, document: dict[str, Any]) -> None:
    problems = {
        f"frameworks.{workflow}": errors
        for workflow, tasks in document["frameworks"].items()
        if (errors := domain.check_framework(tasks))
    }
    if problems:
        raise ValidationFailed(problems, "task frameworks are invalid")
    for workflow, tasks in document["frameworks"].items():
        existing = repository.framework_for(session, workflow)
        if existing is None:
            session.add(
                TaskFramework(workflow=workflow, tasks=tasks, version=1, updated_at=utcnow())
            )
        elif existing.tasks != tasks:
            existing.tasks, existing.version, existing.updated_at = (
                tasks,
                existing.version + 1,
                utcnow(),
            )
    session.flush()


def load_seed(session: Session) -> None:
    for path in sorted(SEED_DIR.glob("*.yaml")):
        load_frameworks(session, yaml.safe_load(path.read_text(encoding="utf-8")))
