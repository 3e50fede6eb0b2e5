"""What the advice service is asked to do: one frozen command per RPC request, built by the
schemas in ``schemas.py`` (``@post_load``) once the request is valid."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class AdviceQuestion:
    """Answers and the facts derived from them, for ``nation`` on ``on_date`` (today when
    None): what matching, explaining and previewing judge statements against."""

    workflow: str
    answers: dict[str, Any]
    derived: dict[str, Any] = field(default_factory=dict)
    nation: str = "england"
    on_date: date | None = None


@dataclass(frozen=True)
class MatchStatements(AdviceQuestion):
    """The statements whose conditions hold for the question; with ``report_failed`` also the
    statements that could not be judged (left out either way)."""

    report_failed: bool = False


@dataclass(frozen=True)
class ExplainStatement(AdviceQuestion):
    """Why one statement is, or is not, chosen for the same question as ``MatchStatements``."""

    statement_key: str = ""


@dataclass(frozen=True)
class SaveStatement:
    """A statement or a new version of it, as the bank file writes it (``StatementInputSchema``),
    checked against the questions of the template ``template_key``."""

    statement: dict[str, Any]
    actor: str
    template_key: str = "housing-options-enquiry"


@dataclass(frozen=True)
class PreviewStatement(AdviceQuestion):
    """Would this statement, as drafted (not saved), be chosen for the same question as
    ``MatchStatements``, and why (not)."""

    statement: dict[str, Any] = field(default_factory=dict)
    template_key: str = "housing-options-enquiry"
