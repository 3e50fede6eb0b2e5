"""Load question templates from YAML/JSON files (the starter template ships in seed/)."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from services.enquiry import domain, repository
from shared.errors import ValidationFailed

SEED_DIR = Path(__file__).parent / "seed"


def load_template_file(session: Session, path: Path) -> bool:
    definition = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = domain.check_template(definition)
    if problems:
        raise ValidationFailed(problems, f"template {path.name} is invalid")
    return repository.add_template_if_missing(session, definition)


def load_seed(session: Session) -> None:
    for path in sorted(SEED_DIR.glob("*.yaml")):
        load_template_file(session, path)
