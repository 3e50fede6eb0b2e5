"""Template files (YAML or JSON): the starter templates ship in seed/ and load on start;
``python -m services.enquiry.load_templates FILE...`` loads a council's own."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from services.enquiry import operations, template_law

SEED_DIR = Path(__file__).parent / "seed"
log = logging.getLogger(__name__)


class TemplateLoader(yaml.SafeLoader):
    """YAML (a superset of JSON) without implicit timestamps: a date in a template stays the
    text it is in JSON, and what is stored is what was written."""


TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_template_file(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=TemplateLoader)


def load_template_file(session: Session, path: Path, council_nation: str) -> str:
    return operations.load_template_definition(session, read_template_file(path), council_nation)


def load_seed(session: Session, council_nation: str = template_law.LEGACY_NATION) -> None:
    """The starter templates for the council's nation. Version 1 of the starter form declares
    no law (it was published before templates did) and is England's."""
    for path in sorted(SEED_DIR.glob("*.yaml")):
        definition = read_template_file(path)
        nation = template_law.template_law(definition).nation
        if nation != council_nation:
            log.info(
                "starter template %s is for %s, not %s: not loaded",
                path.name,
                nation,
                council_nation,
            )
            continue
        operations.load_template_definition(session, definition, council_nation, allow_legacy=True)
