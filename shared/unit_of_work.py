"""The one nameko dependency every service uses: a database transaction that collects the events
(and audit events) caused by a change and publishes them once the change is committed.

Why one provider for both: an event must never announce a change that was rolled back. Events are
published after commit; a crash between the commit and the publish can still lose an event (the
transactional outbox that closes that gap belongs here too, so services need not change).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from nameko.events import EventDispatcher
from sqlalchemy.orm import Session

from shared.audit import audit_envelope
from shared.db import create_engine_for, mark_event_processed, record_rejected_event
from shared.envelope import Envelope, parse_envelope
from shared.errors import ValidationFailed
from shared.migrations import prepare_database

log = logging.getLogger(__name__)

T = TypeVar("T")
AuditSink = Callable[[Session, Envelope], None]


class Transaction:
    """What a domain operation gets: a session, and somewhere to put the events it causes."""

    def __init__(self, session: Session, source: str, audit_sink: AuditSink | None) -> None:
        self.session = session
        self.source = source
        self.events: list[Envelope] = []
        self._audit_sink = audit_sink

    def emit(self, envelope: Envelope) -> None:
        self.events.append(envelope)

    def audit(self, **fields: Any) -> Envelope:
        """Record one state change: see ``shared.audit.audit_envelope`` for the fields."""
        envelope = audit_envelope(source=self.source, **fields)
        if self._audit_sink is not None:
            # The audit store's own service writes its entries in the same transaction.
            self._audit_sink(self.session, envelope)
        self.emit(envelope)
        return envelope


class UnitOfWork:
    def __init__(
        self,
        engine: sa.Engine,
        metadata: sa.MetaData,
        dispatch: Callable[[str, Any], None],
        source: str,
        audit_sink: AuditSink | None,
    ) -> None:
        self.engine = engine
        self.metadata = metadata
        self._dispatch = dispatch
        self.source = source
        self._audit_sink = audit_sink

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with Session(self.engine, expire_on_commit=False) as session:
            tx = Transaction(session, self.source, self._audit_sink)
            with session.begin():
                yield tx
        for envelope in tx.events:
            self.publish(envelope)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def publish(self, envelope: Envelope) -> None:
        self._dispatch(envelope.type, envelope.to_message())

    def handle_event(
        self, message: Any, handler: str, apply: Callable[[Transaction, Envelope], T]
    ) -> T | None:
        """Apply an incoming event exactly once per handler.

        A malformed envelope, or data ``apply`` rejects with ``ValidationFailed``, can never
        succeed: it is parked in ``rejected_events`` with the reasons and acknowledged. Any other
        error propagates so the handler (declared with ``requeue_on_error=True``) gets it again.
        """
        try:
            event = parse_envelope(message)
        except ValidationFailed as exc:
            self._reject(message, handler, exc)
            return None
        try:
            with self.transaction() as tx:
                if not mark_event_processed(tx.session, self.metadata, event.id, handler):
                    log.info("event %s already handled by %s", event.id, handler)
                    return None
                return apply(tx, event)
        except ValidationFailed as exc:
            self._reject(message, handler, exc)
            return None

    def _reject(self, message: Any, handler: str, exc: ValidationFailed) -> None:
        log.warning("rejected event for %s: %s", handler, exc.field_errors)
        with Session(self.engine) as session, session.begin():
            record_rejected_event(session, self.metadata, handler, message, exc.field_errors)


class UnitOfWorkProvider(EventDispatcher):
    """Declare once per service: ``uow = UnitOfWorkProvider(metadata, seed=...)``.

    Config: ``DATABASE_URL`` (required) and ``DATABASE_MIGRATE_ON_START`` (default true).
    """

    def __init__(
        self,
        metadata: sa.MetaData,
        seed: Callable[[Session], None] | None = None,
        audit_sink: AuditSink | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.metadata = metadata
        self.seed = seed
        self.audit_sink = audit_sink
        self.engine: sa.Engine | None = None

    def setup(self) -> None:
        super().setup()
        config = self.container.config
        self.engine = create_engine_for(config["DATABASE_URL"])
        if str(config.get("DATABASE_MIGRATE_ON_START", True)).lower() not in ("false", "0", "no"):
            prepare_database(self.engine, self.container.service_name, self.seed)

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        super().stop()

    def get_dependency(self, worker_ctx: Any) -> UnitOfWork:
        dispatch = super().get_dependency(worker_ctx)
        return UnitOfWork(
            self.engine, self.metadata, dispatch, self.container.service_name, self.audit_sink
        )
