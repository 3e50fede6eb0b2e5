"""Database plumbing every service shares: engines, the inbox and rejected-event tables, upserts."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shared.clock import utcnow


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg2 here: the driver psycogreen makes cooperative (SQLAlchemy
    2.1 would otherwise pick psycopg 3)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


# A database error quotes the statement's values unless told not to: a duplicate key on a note
# would carry the note's text into the error, the log and the caller's reply.
ENGINE_OPTIONS: dict[str, Any] = {"hide_parameters": True}


def create_engine_for(url: str) -> Engine:
    """An engine configured for how this suite uses the database (SQLite file or PostgreSQL).
    Its errors never quote the statement's values (``hide_parameters``)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **ENGINE_OPTIONS
        )

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets the CLI and the running service read while the other writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql"):
        # Batched executemany: a scan updating many rows makes one round trip per page, not per row.
        return sa.create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            executemany_mode="values_plus_batch",
            **ENGINE_OPTIONS,
        )
    raise ValueError(f"unsupported database URL scheme in {url.split(':', 1)[0]!r}")


def add_infrastructure_tables(metadata: sa.MetaData) -> None:
    """The inbox (events already handled), the outbox (events to publish, written in the same
    transaction as the change), the failure counts, the events waiting for what they need, and
    the parking place for events that can never be handled. Every service's database has them
    all, created by its own migrations (shared/infra_migrations.py)."""
    sa.Table(
        "processed_events",
        metadata,
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("handler", sa.String(100), primary_key=True),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
    )
    sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True, index=True),
    )
    sa.Table(
        "event_failures",
        metadata,
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("handler", sa.String(100), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    # Events whose handler raised NotYet: what they need has not arrived. Each is delivered
    # again to its handler's queue with backoff until it applies or has waited too long.
    sa.Table(
        "waiting_events",
        metadata,
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("handler", sa.String(100), primary_key=True),
        sa.Column("queue", sa.String(255), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("waiting_for", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_seen_at", UtcDateTime(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False, index=True),
    )
    sa.Table(
        "rejected_events",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handler", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("rejected_at", UtcDateTime(), nullable=False),
    )


def insert_ignoring_conflict(session: Session, table: sa.Table, values: dict[str, Any]) -> bool:
    """INSERT that silently does nothing on a unique clash; True when the row was inserted.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction, so exactly
    one of two racing replicas gets True.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - guarded by create_engine_for
        raise ValueError(f"unsupported dialect {dialect}")
    result = session.execute(insert(table).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1


def mark_event_processed(
    session: Session, metadata: sa.MetaData, event_id: str, handler: str
) -> bool:
    """Record that ``handler`` has handled ``event_id``; False if it already had."""
    return insert_ignoring_conflict(
        session,
        metadata.tables["processed_events"],
        {"event_id": event_id, "handler": handler, "processed_at": utcnow()},
    )


def record_rejected_event(
    session: Session, metadata: sa.MetaData, handler: str, message: Any, errors: dict[str, Any]
) -> None:
    event_id = message.get("id") if isinstance(message, dict) else None
    session.execute(
        metadata.tables["rejected_events"]
        .insert()
        .values(
            handler=handler,
            event_id=str(event_id)[:64] if event_id is not None else None,
            payload=json.dumps(message, default=str)[:100_000],
            errors=errors,
            rejected_at=utcnow(),
        )
    )


class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC in and out, whatever the database: SQLite would hand back naive values."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given: use shared.clock.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def count_failure(
    session: Session, metadata: sa.MetaData, event_id: str, handler: str, error: str
) -> int:
    """One more failed attempt of ``handler`` on ``event_id``; returns the attempts so far."""
    table = metadata.tables["event_failures"]
    now = utcnow()
    if not insert_ignoring_conflict(
        session,
        table,
        {
            "event_id": event_id,
            "handler": handler,
            "attempts": 1,
            "last_error": error,
            "updated_at": now,
        },
    ):
        session.execute(
            table.update()
            .where(table.c.event_id == event_id, table.c.handler == handler)
            .values(attempts=table.c.attempts + 1, last_error=error, updated_at=now)
        )
    return session.execute(
        sa.select(table.c.attempts).where(table.c.event_id == event_id, table.c.handler == handler)
    ).scalar_one()


def paginate(session: Session, query: sa.Select, page: int, size: int) -> dict[str, Any]:
    """One page of an ordered query (pages count from 1) with the total across all pages:
    ``{items, total, page, page_size}``, as every list RPC answers."""
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.scalars(query.offset((page - 1) * size).limit(size))
    return {"items": list(rows), "total": total, "page": page, "page_size": size}


def escape_like(text: str) -> str:
    """Text to match literally inside a LIKE pattern (with ``escape="\\\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
