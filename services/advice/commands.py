"""What the advice service is asked to do: one frozen command per RPC request, built by the
schemas in ``schemas.py`` (``@post_load``) once the request is valid."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class MatchStatements:
    """The statements for ``nation`` in effect ``on_date`` (today when None) whose conditions
    hold over the answers and the facts derived from them."""

    workflow: str
    answers: dict[str, Any]
    derived: dict[str, Any] = field(default_factory=dict)
    nation: str = "england"
    on_date: date | None = None


@dataclass(frozen=True)
class ExplainStatement(MatchStatements):
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
class PreviewStatement(MatchStatements):
    """Would this statement, as drafted (not saved), be chosen for the same question as
    ``MatchStatements``, and why (not)."""

    statement: dict[str, Any] = field(default_factory=dict)
    template_key: str = "housing-options-enquiry"
