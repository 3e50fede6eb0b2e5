"""Load task frameworks (dated editions by nation, see services/tasks/frameworks.py) from YAML.
A changed edition gets a new version and applies to cases opened (or duties begun) from then on;
tasks already on a case keep the definition they were created with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from services.tasks import frameworks
from services.tasks.models import TaskFramework
from shared.clock import utcnow

SEED_DIR = Path(__file__).parent / "seed"
SEED, COUNCIL = "seed", "council"


def load_frameworks(
    session: Session, document: dict[str, Any], origin: str = COUNCIL
) -> list[frameworks.FrameworkEdition]:
    """Check the whole document (``ValidationFailed`` naming every wrong field, nothing stored),
    then store each edition. The shipped seed (``origin="seed"``) never overwrites an edition a
    council loaded itself: a restart must not undo the council's own frameworks."""
    editions = frameworks.parse_document(document)
    for edition in editions:
        content = {
            "workflow": edition.workflow,
            "nations": list(edition.nations),
            "effective_from": edition.effective_from,
            "effective_to": edition.effective_to,
            "tasks": edition.tasks,
            "on_duty": edition.on_duty,
        }
        row = session.get(TaskFramework, edition.key)
        if row is None:
            session.add(
                TaskFramework(
                    id=edition.key, origin=origin, version=1, updated_at=utcnow(), **content
                )
            )
        elif origin == SEED and row.origin != SEED:
            continue
        elif {name: getattr(row, name) for name in content} != content:
            for name, value in content.items():
                setattr(row, name, value)
            row.origin, row.version, row.updated_at = origin, row.version + 1, utcnow()
        else:
            row.origin = origin
    session.flush()
    return editions


def load_seed(session: Session) -> None:
    for path in sorted(SEED_DIR.glob("*.yaml")):
        load_frameworks(session, yaml.safe_load(path.read_text(encoding="utf-8")), origin=SEED)
