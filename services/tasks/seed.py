"""Load task frameworks (dated editions by nation, see services/tasks/frameworks.py) from YAML.
A changed edition gets a new version and applies to cases opened (or duties begun) from then on;
tasks already on a case keep the definition they were created with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from services.tasks import frameworks, repository
from services.tasks.models import TaskFramework
from shared.clock import utcnow

SEED_DIR = Path(__file__).parent / "seed"
SEED, COUNCIL = "seed", "council"
# What loading did to each edition of a document.
ADDED, CHANGED, CLAIMED, UNCHANGED, KEPT = "added", "changed", "claimed", "unchanged", "kept"


@dataclass(frozen=True)
class StoredEdition:
    """One edition of a loaded document, the row it is stored as, and what loading did:
    ``added``; ``changed`` (a new version); ``claimed`` (the same content, now the council's);
    ``unchanged``; ``kept`` (the seed left a council's own edition alone). ``before`` is the
    row's version and origin before loading, None for an edition added."""

    edition: frameworks.FrameworkEdition
    row: TaskFramework
    change: str
    before: dict[str, Any] | None

    @property
    def key(self) -> str:
        return self.edition.key


def load_frameworks(
    session: Session, document: dict[str, Any], origin: str = COUNCIL
) -> list[StoredEdition]:
    """Check the whole document (``ValidationFailed`` naming every wrong field, nothing stored),
    then store each edition. The shipped seed (``origin="seed"``) never overwrites an edition a
    council loaded itself: a restart must not undo the council's own frameworks. Each stored
    edition is locked while it is compared and written, so two loads of one edition at once
    give two versions in turn, not one."""
    editions = frameworks.parse_document(document)
    return [_store(session, edition, origin) for edition in editions]


def _store(session: Session, edition: frameworks.FrameworkEdition, origin: str) -> StoredEdition:
    content = {
        "workflow": edition.workflow,
        "nations": list(edition.nations),
        "effective_from": edition.effective_from,
        "effective_to": edition.effective_to,
        "tasks": edition.tasks,
        "on_duty": edition.on_duty,
    }
    row = repository.framework_edition(session, edition.key, lock=True)
    if row is None:
        row = TaskFramework(
            id=edition.key, origin=origin, version=1, updated_at=utcnow(), **content
        )
        session.add(row)
        session.flush()
        return StoredEdition(edition, row, ADDED, None)
    before = {"version": row.version, "origin": row.origin}
    if origin == SEED and row.origin != SEED:
        return StoredEdition(edition, row, KEPT, before)
    if {name: getattr(row, name) for name in content} != content:
        for name, value in content.items():
            setattr(row, name, value)
        row.origin, row.version, row.updated_at = origin, row.version + 1, utcnow()
        change = CHANGED
    else:
        change = UNCHANGED if row.origin == origin else CLAIMED
        row.origin = origin
    session.flush()
    return StoredEdition(edition, row, change, before)


def load_seed(session: Session) -> None:
    for path in sorted(SEED_DIR.glob("*.yaml")):
        load_frameworks(session, yaml.safe_load(path.read_text(encoding="utf-8")), origin=SEED)
