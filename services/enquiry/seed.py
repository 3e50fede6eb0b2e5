"""Template files (YAML or JSON): the starter template ships in seed/ and loads on start;
``python -m services.enquiry.load_templates FILE...`` loads a council's own."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from services.enquiry import operations

SEED_DIR = Path(__file__).parent / "seed"


def load_template_file(session: Session, path: Path) -> str:
    """YAML is a superset of JSON, so one parser reads both."""
    return operations.load_template_definition(
        session, yaml.safe_load(path.read_text(encoding="utf-8"))
    )


def load_seed(session: Session) -> None:
    for path in sorted(SEED_DIR.glob("*.yaml")):
        load_template_file(session, path)
