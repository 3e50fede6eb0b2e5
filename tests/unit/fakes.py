"""What the use-case tests share: a fake dispatch that records what the outbox relay would
publish, a unit of work over an in-memory SQLite database, and small builders.

``metadata.create_all`` is enough for these databases: every service's migrations create exactly
its metadata's tables (tests/integration/test_migrations.py checks that), and the only other
things they do are data migrations, which have nothing to move in a new empty database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from shared.envelope import Envelope
from shared.unit_of_work import AuditSink, UnitOfWork

AUDIT = "audit.recorded"
T = TypeVar("T")


class FakeDispatch:
    """Records each ``(event_type, payload)`` the unit of work publishes, in order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, event_type: str, payload: dict[str, Any]) -> None:
        self.published.append((event_type, payload))

    def types(self, prefix: str = "", *, audit: bool = False) -> list[str]:
        """The types published (starting with ``prefix``), audit events only when asked."""
        return [t for t, _ in self.published if t.startswith(prefix) and (audit or t != AUDIT)]

    def data_of(self, event_type: str) -> list[dict[str, Any]]:
        """The ``data`` of each event of this type published."""
        return [p["data"] for t, p in self.published if t == event_type]

    def audited(self) -> list[str]:
        """The action of each audit entry published."""
        return [data["action"] for data in self.data_of(AUDIT)]

    def clear(self) -> None:
        self.published.clear()


def memory_engine() -> sa.Engine:
    """One in-memory SQLite database every session of the engine shares (StaticPool), with
    foreign keys enforced as ``shared.db.create_engine_for`` does."""
    engine = sa.create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )

    @sa.event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def memory_uow(
    metadata: sa.MetaData,
    source: str,
    *,
    seed: Callable[[Session], None] | None = None,
    handler: str | None = None,
    audit_sink: AuditSink | None = None,
    dispatch: Callable[[str, Any], None] | None = None,
) -> UnitOfWork:
    """A unit of work over a new in-memory database with ``metadata``'s tables, ``seed`` loaded
    and committed. Publishes to ``dispatch`` (a new ``FakeDispatch`` if none is given). Call
    ``uow.engine.dispose()`` when done."""
    engine = memory_engine()
    metadata.create_all(engine)
    if seed is not None:
        with Session(engine) as session, session.begin():
            seed(session)
    return UnitOfWork(
        engine,
        metadata,
        dispatch if dispatch is not None else FakeDispatch(),
        source,
        audit_sink,
        handler=handler,
    )


def run(uow: UnitOfWork, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a use case in its own transaction: committed, and its events relayed, on return."""
    with uow.transaction() as tx:
        return use_case(tx, *args, **kwargs)


def envelope(
    event_type: str,
    data: dict[str, Any],
    *,
    version: int = 1,
    source: str = "test",
    correlation_id: str | None = None,
) -> Envelope:
    """An incoming event as another service would publish it."""
    return Envelope(
        type=event_type,
        version=version,
        source=source,
        correlation_id=correlation_id or str(uuid.uuid4()),
        data=data,
    )
