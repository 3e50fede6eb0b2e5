"""Statement bank files (sections, workflows, statements). Loading an edited file adds a new
version of each changed statement; unchanged statements are left alone.

The shipped bank is checked against the questions of the shipped starter form, so a statement that
refers to a question or option the form does not have never reaches a database. The advice service
keeps its own copy of those questions (``seed/questions/``): it never reads another service's
files, and a unit test keeps the copy equal to the enquiry service's form."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from services.advice import domain, repository
from services.advice.models import Section, Statement, Workflow
from shared.clock import london_today, utcnow
from shared.errors import ValidationFailed

SEED_DIR = Path(__file__).parent / "seed"
# The questions of the newest starter form (the advice service's copy): the bank is checked
# against them.
STARTER_TEMPLATE = SEED_DIR / "questions" / "starter_template_v2.yaml"
VERSIONED_FIELDS = (
    "title",
    "body",
    "section",
    "priority",
    "workflows",
    "condition",
    "effective_from",
    "effective_to",
    "nations",
    "source",
    "reviewed_on",
)


def questions_of(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["key"]: q for section in template["sections"] for q in section["questions"]}


def statement_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": item["title"].strip(),
        "body": item["body"].strip(),
        "section": item["section"],
        "priority": int(item.get("priority", 100)),
        "workflows": list(item["workflows"]),
        "condition": item.get("when", True),
        "effective_from": item.get("effective_from"),
        "effective_to": item.get("effective_to"),
        "nations": list(item["nations"]),
        "source": item["source"].strip(),
        "reviewed_on": item["reviewed_on"],
    }


def add_version_if_changed(
    session: Session, key: str, fields: dict[str, Any], author: str | None
) -> Statement | None:
    """A new version when anything differs from the latest one; None when nothing changed."""
    latest = repository.latest_version(session, key)
    if latest is not None and all(getattr(latest, f) == fields[f] for f in VERSIONED_FIELDS):
        return None
    statement = Statement(
        key=key,
        version=1 if latest is None else latest.version + 1,
        created_at=utcnow(),
        created_by=author,
        **fields,
    )
    session.add(statement)
    session.flush()
    return statement


def load_bank(
    session: Session,
    bank: dict[str, Any],
    questions: dict[str, dict[str, Any]] | None = None,
    today: date | None = None,
) -> int:
    """Returns the number of statement versions added. Nothing is stored if any statement is
    wrong (``today`` bounds the reviewed_on dates; London's today by default)."""
    problems = domain.check_bank(bank, questions, today or london_today())
    if problems:
        raise ValidationFailed(problems, "statement bank is invalid")
    for section in bank["sections"]:
        session.merge(Section(key=section["key"], title=section["title"]))
    for workflow in bank["workflows"]:
        session.merge(
            Workflow(key=workflow["key"], title=workflow["title"], sections=workflow["sections"])
        )
    added = sum(
        add_version_if_changed(session, item["key"], statement_fields(item), "loader") is not None
        for item in bank["statements"]
    )
    repository.bump_bank_version(session)
    return added


def load_seed(session: Session) -> None:
    questions = questions_of(yaml.safe_load(STARTER_TEMPLATE.read_text(encoding="utf-8")))
    for path in sorted(SEED_DIR.glob("*.yaml")):
        load_bank(session, yaml.safe_load(path.read_text(encoding="utf-8")), questions)
