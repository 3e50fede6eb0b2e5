"""The queries the advice service needs."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, defer

from services.advice.domain import UNREADABLE_CONDITION, StatementVersion, WorkflowDefinition
from services.advice.models import BankState, MatchResult, Section, Statement, Workflow


def _newest_versions() -> sa.Select:
    newest = (
        sa.select(Statement.key, sa.func.max(Statement.version).label("version"))
        .group_by(Statement.key)
        .subquery()
    )
    return (
        sa.select(Statement)
        .join(
            newest,
            sa.and_(Statement.key == newest.c.key, Statement.version == newest.c.version),
        )
        .order_by(Statement.key)
    )


def current_statements(session: Session, workflow: str | None = None) -> list[Statement]:
    """The newest version of every statement (of one workflow, if given), by key."""
    current = session.scalars(_newest_versions())
    # Workflows are a JSON list: filtered here, the same on SQLite and PostgreSQL.
    return [s for s in current if workflow is None or workflow in s.workflows]


def statements_to_match(session: Session) -> list[StatementVersion]:
    """The newest version of every statement, for compiling the bank. Each condition is read as
    text and decoded on its own: one nested deeper than the JSON decoder goes (stored before
    conditions were bounded) becomes ``UNREADABLE_CONDITION`` and is refused alone, instead of
    failing the query that loads the whole bank."""
    rows = session.execute(
        _newest_versions()
        .options(defer(Statement.condition))
        .add_columns(sa.cast(Statement.condition, sa.Text))
    )
    return [to_domain(statement, _decoded(text)) for statement, text in rows]


def _decoded(text: str | None) -> Any:
    try:
        return json.loads(text) if text is not None else None
    except (RecursionError, ValueError):
        return UNREADABLE_CONDITION


def latest_version(session: Session, key: str) -> Statement | None:
    return session.scalar(
        sa.select(Statement).where(Statement.key == key).order_by(Statement.version.desc()).limit(1)
    )


def get_workflow(session: Session, key: str) -> Workflow | None:
    return session.get(Workflow, key)


def all_workflows(session: Session) -> list[Workflow]:
    return list(session.scalars(sa.select(Workflow).order_by(Workflow.key)))


def section_titles(session: Session) -> dict[str, str]:
    return {s.key: s.title for s in session.scalars(sa.select(Section))}


def match_for(session: Session, enquiry_id: str) -> MatchResult | None:
    return session.scalar(sa.select(MatchResult).where(MatchResult.enquiry_id == enquiry_id))


def to_domain(statement: Statement, condition: Any) -> StatementVersion:
    """The domain's statement, with its condition as read apart (``statements_to_match``)."""
    return StatementVersion(
        key=statement.key,
        version=statement.version,
        title=statement.title,
        body=statement.body,
        section=statement.section,
        priority=statement.priority,
        workflows=tuple(statement.workflows),
        condition=condition,
        nations=tuple(statement.nations),
        effective_from=statement.effective_from,
        effective_to=statement.effective_to,
        source=statement.source,
        reviewed_on=statement.reviewed_on,
    )


def workflow_to_domain(workflow: Workflow) -> WorkflowDefinition:
    return WorkflowDefinition(workflow.key, workflow.title, tuple(workflow.sections))


def bank_version(session: Session) -> int:
    return session.scalar(sa.select(BankState.version).where(BankState.id == 1)) or 0


def bump_bank_version(session: Session) -> int:
    state = session.get(BankState, 1, with_for_update=True)
    if state is None:
        state = BankState(id=1, version=0)
        session.add(state)
    state.version += 1
    session.flush()
    return state.version


def versions_of(session: Session, key: str) -> list[Statement]:
    return list(
        session.scalars(
            sa.select(Statement).where(Statement.key == key).order_by(Statement.version)
        )
    )


def all_sections(session: Session) -> set[str]:
    return set(session.scalars(sa.select(Section.key)))
