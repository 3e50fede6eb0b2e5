"""Load a statement bank file (sections, workflows, statements). Loading an edited file adds a new
version of each changed statement; unchanged statements are left alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from services.advice import domain, repository
from services.advice.models import Section, Statement, Workflow
from shared.clock import utcnow
from shared.errors import ValidationFailed

SEED_DIR = Path(__file__).parent / "seed"
VERSIONED_FIELDS = ("title", "body", "section", "priority", "workflows", "condition")


def load_bank(session: Session, bank: dict[str, Any]) -> int:
    """Returns the number of statement versions added."""
    problems = domain.check_bank(bank)
    if problems:
        raise ValidationFailed(problems, "statement bank is invalid")
    for section in bank["sections"]:
        session.merge(Section(key=section["key"], title=section["title"]))
    for workflow in bank["workflows"]:
        session.merge(
            Workflow(key=workflow["key"], title=workflow["title"], sections=workflow["sections"])
        )
    added = 0
    for item in bank["statements"]:
        fields = {
            "title": item["title"].strip(),
            "body": item["body"].strip(),
            "section": item["section"],
            "priority": int(item.get("priority", 100)),
            "workflows": list(item["workflows"]),
            "condition": item.get("when", True),
        }
        latest = repository.latest_version(session, item["key"])
        if latest is not None and all(getattr(latest, f) == fields[f] for f in VERSIONED_FIELDS):
            continue
        version = 1 if latest is None else latest.version + 1
        session.add(Statement(key=item["key"], version=version, created_at=utcnow(), **fields))
        added += 1
    session.flush()
    return added


def load_seed(session: Session) -> None:
    for path in sorted(SEED_DIR.glob("*.yaml")):
        load_bank(session, yaml.safe_load(path.read_text(encoding="utf-8")))
