"""The unit of work every service uses: a database transaction that collects the events (and
audit events) caused by a change, writes them to the service's **outbox** in the same
transaction, and publishes them once the change is committed. Pure Python and SQLAlchemy: the
nameko glue that builds one per worker is ``shared.nameko_wiring``.

Why: an event must never announce a change that was rolled back, and must never be lost because
the process died or the broker was away between the commit and the publish. Whatever is not
published straight after the commit stays in the outbox until ``relay_outbox`` (a timer in every
service, see ``OutboxRelay``) publishes it. Delivery is therefore at least once; every consumer
de-duplicates by event id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.aggregate import Aggregate, Change, next_sequence
from shared.audit import audit_envelope
from shared.clock import utcnow
from shared.db import count_failure, mark_event_processed, record_rejected_event
from shared.envelope import Envelope, parse_envelope
from shared.errors import NotYet, ValidationFailed
from shared.identity import Identity

log = logging.getLogger(__name__)

T = TypeVar("T")
AuditSink = Callable[[Session, Envelope], None]
# Publish a message straight to one handler's queue (the glue knows how): (queue, message).
Redeliver = Callable[[str, Any], None]


@dataclass(frozen=True)
class WaitPolicy:
    """How long an event may wait for what it needs (``NotYet``): delivered again after
    ``first_delay``, doubling up to ``max_delay``, and parked only once it has waited
    ``give_up_after`` (minutes: a service that starts late, or a slow one, must not cause
    parking). A waiting event holds no worker: it is stored and acknowledged."""

    first_delay_seconds: float = 2.0
    max_delay_seconds: float = 60.0
    give_up_after_seconds: float = 900.0

    def delay(self, attempts: int) -> timedelta:
        seconds = self.first_delay_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.max_delay_seconds))


class Transaction:
    """What a use case gets: a session, and somewhere to put the events it causes.

    Events come two ways: the aggregates in the session record their changes
    (``shared.aggregate``), and a use case may emit what belongs to no aggregate (a summary of
    several, an audit of a read). ``finish`` puts both in the order they happened."""

    def __init__(
        self,
        session: Session,
        source: str,
        audit_sink: AuditSink | None,
        caller: Identity | None = None,
        action: str | None = None,
    ) -> None:
        self.session = session
        self.source = source
        # Who asked, and for what (the RPC): the use case checks what they may see or change
        # (``shared.authorisation``). None when the service acts on its own (events, timers)
        # or a test calls the use case directly.
        self.caller = caller
        self.action = action
        self._audit_sink = audit_sink
        # (sequence, audit?, envelope): sorted when the transaction finishes.
        self._pending: list[tuple[int, bool, Envelope]] = []
        self.undo: list[Callable[[], None]] = []
        # Every aggregate the session loads or adds, held until the end (the session's identity
        # map holds unchanged rows weakly: one that only recorded a change could be collected).
        self._seen: dict[int, Aggregate] = {}
        sa.event.listen(session, "transient_to_pending", self._see)
        sa.event.listen(session, "loaded_as_persistent", self._see)

    def _see(self, _session: Session, instance: Any) -> None:
        if isinstance(instance, Aggregate):
            self._seen.setdefault(id(instance), instance)

    @property
    def events(self) -> list[Envelope]:
        """What is to be announced so far, in order (aggregates' changes once ``finish``ed)."""
        return [envelope for _, _, envelope in sorted(self._pending, key=_order)]

    def emit(self, envelope: Envelope) -> None:
        self._pending.append((next_sequence(), False, envelope))

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Undo a side effect outside the database (a file written) if the transaction fails."""
        self.undo.append(undo)

    def record(
        self,
        event: Envelope,
        *,
        actor: str,
        entity_type: str,
        entity_id: str,
        case_id: str | None = None,
        before: Any = None,
        after: Any = None,
        action: str | None = None,
    ) -> None:
        """A change announced and audited in one: the event goes to the outbox, and the audit
        trail records who made it, with before and after, under the event's type. (An
        aggregate records a ``Change`` instead, and the transaction does this for it.)"""
        self._add_change(
            Change(
                actor=actor,
                entity_type=entity_type,
                entity_id=entity_id,
                case_id=case_id,
                correlation_id=event.correlation_id,
                causation_id=event.causation_id,
                before=before,
                after=after,
                event=event,
                action=action,
            )
        )

    def audit(self, **fields: Any) -> Envelope:
        """Record one state change: see ``shared.audit.audit_envelope`` for the fields."""
        envelope = audit_envelope(source=self.source, **fields)
        self._pending.append((next_sequence(), True, envelope))
        return envelope

    def audit_read(
        self,
        action: str,
        *,
        entity_type: str,
        entity_id: str,
        correlation_id: str,
        case_id: str | None = None,
        after: Any = None,
    ) -> None:
        """A person's read of personal data through an RPC, on the audit trail with the reader
        (``caller``). The service reading for itself (no caller) is not recorded."""
        if self.caller is None:
            return
        self.audit(
            actor=self.caller.actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            case_id=case_id,
            correlation_id=correlation_id,
            after=after,
        )

    def _add_change(self, change: Change) -> None:
        if change.event is not None:
            self._pending.append((change.sequence, False, change.event))
        audit = audit_envelope(
            source=self.source,
            actor=change.actor,
            action=change.name,
            entity_type=change.entity_type,
            entity_id=change.entity_id,
            case_id=change.case_id,
            correlation_id=change.correlation_id,
            causation_id=change.causation_id,
            before=change.before,
            after=change.after,
        )
        self._pending.append((change.sequence, True, audit))

    def finish(self) -> list[Envelope]:
        """Collect the changes the session's aggregates recorded, file the audit entries (in
        the audit store's own service, in this transaction) and return every envelope, in the
        order the changes happened."""
        for aggregate in self._seen.values():
            for change in aggregate.take_changes():
                self._add_change(change)
        ordered = sorted(self._pending, key=_order)
        self._pending = []
        if self._audit_sink is not None:
            for _, is_audit, envelope in ordered:
                if is_audit:
                    self._audit_sink(self.session, envelope)
        return [envelope for _, _, envelope in ordered]


def _order(item: tuple[int, bool, Envelope]) -> tuple[int, bool]:
    # One change's event before its audit entry.
    return item[0], item[1]


class UnitOfWork:
    def __init__(
        self,
        engine: sa.Engine,
        metadata: sa.MetaData,
        dispatch: Callable[[str, Any], None],
        source: str,
        audit_sink: AuditSink | None,
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        handler: str | None = None,
        queue: str | None = None,
        redeliver: Redeliver | None = None,
        wait_policy: WaitPolicy = WaitPolicy(),
    ) -> None:
        self.engine = engine
        self.metadata = metadata
        self._dispatch = dispatch
        self.source = source
        self._audit_sink = audit_sink
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        # The event handler this unit of work serves (its entrypoint's name): the inbox key;
        # and the queue it consumes, where a waiting event is delivered again.
        self.handler = handler
        self.queue = queue
        self._redeliver = redeliver
        self.wait_policy = wait_policy
        # Set by the RPC guard (shared.nameko_wiring.rpc) once the caller is admitted.
        self.caller: Identity | None = None
        self.action: str | None = None

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with Session(self.engine, expire_on_commit=False) as session:
            tx = Transaction(session, self.source, self._audit_sink, self.caller, self.action)
            try:
                with session.begin():
                    yield tx
                    ids = self._write_outbox(session, tx.finish())
            except BaseException:
                for undo in reversed(tx.undo):
                    try:
                        undo()
                    except Exception:  # noqa: BLE001 - the original error matters more
                        log.warning("could not undo a side effect", exc_info=True)
                raise
        if ids:
            self.relay_outbox(only=ids)

    def _write_outbox(self, session: Session, envelopes: list[Envelope]) -> list[int]:
        if not envelopes:
            return []
        outbox, now = self.metadata.tables["outbox"], utcnow()
        rows = [
            {"event_id": e.id, "event_type": e.type, "payload": e.to_message(), "created_at": now}
            for e in envelopes
        ]
        return [
            session.execute(outbox.insert().values(**row)).inserted_primary_key[0] for row in rows
        ]

    def relay_outbox(self, only: list[int] | None = None, limit: int = 500) -> int:
        """Publish unpublished outbox events in order and mark them published. Rows another
        replica is publishing are skipped (PostgreSQL); a failure leaves the rest for the next
        run. Returns the number published."""
        outbox = self.metadata.tables["outbox"]
        query = sa.select(outbox.c.id, outbox.c.event_type, outbox.c.payload).where(
            outbox.c.published_at.is_(None)
        )
        if only is not None:
            query = query.where(outbox.c.id.in_(only))
        query = query.order_by(outbox.c.id).limit(limit).with_for_update(skip_locked=True)
        # Publish first, then mark in one short write: on SQLite a write lock held across the
        # network calls would stall every other green thread of the process.
        sent: list[int] = []
        with Session(self.engine) as session, session.begin():
            for row in session.execute(query).all():
                try:
                    self._dispatch(row.event_type, row.payload)
                except Exception:  # noqa: BLE001 - the broker is away: the relay retries
                    log.warning("outbox: could not publish %s yet", row.event_type, exc_info=True)
                    break
                sent.append(row.id)
            if sent:
                session.execute(
                    outbox.update().where(outbox.c.id.in_(sent)).values(published_at=utcnow())
                )
        return len(sent)

    def outbox_backlog(self) -> dict[str, Any]:
        outbox = self.metadata.tables["outbox"]
        with Session(self.engine) as session:
            count, oldest = session.execute(
                sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(
                    outbox.c.published_at.is_(None)
                )
            ).one()
        return {"unpublished": count, "oldest_unpublished_at": oldest}

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def handle_event(self, message: Any, apply: Callable[[Transaction, Envelope], T]) -> T | None:
        """Apply an incoming event exactly once per handler (the entrypoint this unit of work was
        made for: its name is the inbox key, never a hand-typed string).

        A malformed envelope, or data ``apply`` rejects with ``ValidationFailed``, can never
        succeed: it is parked in ``rejected_events`` with the reasons and acknowledged. Any other
        error is counted: below ``max_attempts`` the worker waits (exponential backoff) and
        re-raises, so the handler (declared with ``requeue_on_error=True``) gets it again; at
        ``max_attempts`` the event is parked with the last error, for `python -m shared.manage
        replay` once the cause is fixed.
        """
        handler = self.handler
        if handler is None:
            raise RuntimeError("handle_event is for event handler entrypoints only")
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
                applied = apply(tx, event)
                self._stop_waiting(tx.session, event.id, handler)
                return applied
        except ValidationFailed as exc:
            self._reject(message, handler, exc)
            return None
        except NotYet as waiting:
            self._wait(message, event.id, handler, waiting)
            return None
        except Exception as error:
            attempts = self._count_failure(event.id, handler, error)
            if attempts is not None and attempts >= self.max_attempts:
                log.error("event %s failed %s times in %s: parked", event.id, attempts, handler)
                self._reject(
                    message,
                    handler,
                    ValidationFailed(
                        {"_error": [f"failed {attempts} times; last error: {error!r}"[:2000]]}
                    ),
                )
                return None
            time.sleep(self.backoff_seconds * 2 ** ((attempts or 1) - 1))
            raise

    def _wait(self, message: Any, event_id: str, handler: str, waiting: NotYet) -> None:
        """Store the event to be delivered again later, or park it if it has waited too long."""
        table, now = self.metadata.tables["waiting_events"], utcnow()
        key = (table.c.event_id == event_id) & (table.c.handler == handler)
        with Session(self.engine) as session, session.begin():
            row = session.execute(sa.select(table).where(key).with_for_update()).one_or_none()
            if row is None:
                attempts, first_seen = 1, now
                session.execute(
                    table.insert().values(
                        event_id=event_id,
                        handler=handler,
                        queue=self.queue or "",
                        payload=message,
                        waiting_for=str(waiting)[:200],
                        attempts=1,
                        first_seen_at=now,
                        next_attempt_at=now + self.wait_policy.delay(1),
                    )
                )
            else:
                attempts, first_seen = row.attempts + 1, row.first_seen_at
                session.execute(
                    table.update()
                    .where(key)
                    .values(
                        attempts=attempts,
                        waiting_for=str(waiting)[:200],
                        next_attempt_at=now + self.wait_policy.delay(attempts),
                    )
                )
            waited = (now - first_seen).total_seconds()
            if waited < self.wait_policy.give_up_after_seconds and self.queue:
                log.info("event %s waits (%s) for %s", event_id, waiting, handler)
                return
            session.execute(table.delete().where(key))
            record_rejected_event(
                session,
                self.metadata,
                handler,
                message,
                {"_waiting": [f"{waiting}: still missing after {int(waited)} s, {attempts} tries"]},
            )
            log.error("event %s parked by %s: %s after %d s", event_id, handler, waiting, waited)

    def _stop_waiting(self, session: Session, event_id: str, handler: str) -> None:
        table = self.metadata.tables["waiting_events"]
        session.execute(
            table.delete().where((table.c.event_id == event_id) & (table.c.handler == handler))
        )

    def redeliver_waiting(self, limit: int = 100) -> int:
        """Deliver the waiting events that are due to their handlers' queues again. Each is
        leased for ``max_delay`` meanwhile, so a delivery lost on the way is tried again; the
        handler's inbox drops a duplicate. Returns the number delivered.

        Read, publish, then mark in one short write, as the outbox relay does: on SQLite a write
        lock held across the network calls would stall every other green thread of the process."""
        if self._redeliver is None:
            return 0
        table, now = self.metadata.tables["waiting_events"], utcnow()
        with Session(self.engine) as session:
            due = session.execute(
                sa.select(table.c.event_id, table.c.handler, table.c.queue, table.c.payload)
                .where(table.c.next_attempt_at <= now)
                .order_by(table.c.next_attempt_at)
                .limit(limit)
            ).all()
        delivered = []
        for row in due:
            try:
                self._redeliver(row.queue, row.payload)
            except Exception:  # noqa: BLE001 - the broker is away: next time
                log.warning("could not deliver waiting event %s yet", row.event_id)
                break
            delivered.append((row.event_id, row.handler))
        if delivered:
            lease = utcnow() + timedelta(seconds=self.wait_policy.max_delay_seconds)
            with Session(self.engine) as session, session.begin():
                for event_id, handler in delivered:
                    session.execute(
                        table.update()
                        .where((table.c.event_id == event_id) & (table.c.handler == handler))
                        .values(next_attempt_at=lease)
                    )
        return len(delivered)

    def waiting_summary(self) -> dict[str, Any]:
        table = self.metadata.tables["waiting_events"]
        with Session(self.engine) as session:
            count, oldest = session.execute(
                sa.select(sa.func.count(), sa.func.min(table.c.first_seen_at))
            ).one()
        return {"events": count, "oldest_since": oldest.isoformat() if oldest else None}

    def _count_failure(self, event_id: str, handler: str, error: Exception) -> int | None:
        try:
            with Session(self.engine) as session, session.begin():
                return count_failure(session, self.metadata, event_id, handler, repr(error)[:2000])
        except Exception:  # noqa: BLE001 - the database itself is away: keep retrying
            log.warning("could not count the failure of %s", event_id, exc_info=True)
            return None

    def _reject(self, message: Any, handler: str, exc: ValidationFailed) -> None:
        log.warning("rejected event for %s: %s", handler, exc.field_errors)
        with Session(self.engine) as session, session.begin():
            record_rejected_event(session, self.metadata, handler, message, exc.field_errors)
