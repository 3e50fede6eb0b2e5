"""The advice service's own database: the statement bank, workflows and match results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, add_infrastructure_tables


class Base(DeclarativeBase):
    pass


class Section(Base):
    __tablename__ = "sections"

    key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))


class Workflow(Base):
    __tablename__ = "workflows"

    key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    sections: Mapped[list[str]] = mapped_column(sa.JSON)


class Statement(Base):
    """One version of a statement. Editing adds a version; packs record the versions they used."""

    __tablename__ = "statements"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    section: Mapped[str] = mapped_column(sa.String(50))
    priority: Mapped[int]
    workflows: Mapped[list[str]] = mapped_column(sa.JSON)
    condition: Mapped[Any] = mapped_column(sa.JSON)
    effective_from: Mapped[date | None] = mapped_column(sa.Date)
    effective_to: Mapped[date | None] = mapped_column(sa.Date)
    nations: Mapped[list[str]] = mapped_column(sa.JSON)
    source: Mapped[str] = mapped_column(sa.String(1000))
    # NULL only on versions stored before sources were required (migration 0005).
    reviewed_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(sa.String(100))


class BankState(Base):
    """One row: the bank's version, bumped by every change, so each replica knows when to
    recompile its matcher."""

    __tablename__ = "bank_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int]


class MatchResult(Base):
    __tablename__ = "match_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    workflow: Mapped[str] = mapped_column(sa.String(50))
    nation: Mapped[str] = mapped_column(sa.String(20))
    # The day whose law was applied: the enquiry's submission date. NULL before migration 0005.
    matched_on: Mapped[date | None] = mapped_column(sa.Date)
    statements: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    matched_at: Mapped[datetime] = mapped_column(UtcDateTime())


add_infrastructure_tables(Base.metadata)
metadata = Base.metadata
