"""The nameko glue, in one module: the dependency provider that gives each worker a unit of
work (``shared.unit_of_work``), the mixin that relays the outbox and answers ``health``, the
registration of the typed errors for RPC callers, and the patch that keeps a service alive
through a broker restart. Everything below the entrypoints is free of nameko; this module is
what ``service.py`` files import (and RPC callers, for the typed errors)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from nameko.amqp.publish import Publisher
from nameko.events import EventDispatcher
from nameko.exceptions import deserialize_to_instance
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy.orm import Session

from shared import broker_outages
from shared.db import create_engine_for
from shared.errors import EXPECTED_ERRORS
from shared.migrations import prepare_database
from shared.startup import database_failure
from shared.unit_of_work import AuditSink, UnitOfWork, WaitPolicy

log = logging.getLogger(__name__)
RELAY_SECONDS = 5


_green_postgres = False


def make_postgres_cooperative() -> None:
    """psycopg2 is a C driver: under eventlet its waits would block every worker of the service."""
    global _green_postgres
    if _green_postgres:
        return
    import eventlet.patcher

    if eventlet.patcher.is_monkey_patched("socket"):
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()
        _green_postgres = True


def register_errors() -> None:
    """A Python RPC caller gets ``ValidationFailed``, ``NotFound`` and ``Conflict`` back as
    themselves (nameko keeps a registry by dotted path; registering twice is harmless)."""
    for error in EXPECTED_ERRORS:
        deserialize_to_instance(error)


register_errors()


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
        broker_outages.apply()
        register_errors()
        super().setup()
        config = self.container.config
        make_postgres_cooperative()
        self.engine = create_engine_for(config["DATABASE_URL"])
        if str(config.get("DATABASE_MIGRATE_ON_START", True)).lower() not in ("false", "0", "no"):
            try:
                prepare_database(self.engine, self.container.service_name, self.seed)
            except Exception as error:
                # The operator reads this line; the traceback that follows is for developers.
                service = self.container.service_name
                log.error(database_failure(service, config["DATABASE_URL"], error))
                raise

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        super().stop()

    def get_dependency(self, worker_ctx: Any) -> UnitOfWork:
        dispatch = super().get_dependency(worker_ctx)
        config = self.container.config
        return UnitOfWork(
            self.engine,
            self.metadata,
            dispatch,
            self.container.service_name,
            self.audit_sink,
            max_attempts=int(config.get("EVENT_MAX_ATTEMPTS", 5)),
            backoff_seconds=float(config.get("EVENT_RETRY_BACKOFF_SECONDS", 0.5)),
            handler=worker_ctx.entrypoint.method_name,
            queue=getattr(getattr(worker_ctx.entrypoint, "queue", None), "name", None),
            redeliver=self._redeliver,
            wait_policy=WaitPolicy(
                first_delay_seconds=float(config.get("EVENT_WAIT_FIRST_DELAY_SECONDS", 2)),
                max_delay_seconds=float(config.get("EVENT_WAIT_MAX_DELAY_SECONDS", 60)),
                give_up_after_seconds=float(config.get("EVENT_WAIT_SECONDS", 900)),
            ),
        )

    def _redeliver(self, queue: str, message: Any) -> None:
        """Publish straight to one handler's queue (the default exchange routes by queue name):
        the other subscribers of the event already have it."""
        Publisher(self.container.config["AMQP_URI"]).publish(
            message, routing_key=queue, mandatory=True, retry=False
        )


class OutboxRelay:
    """Mixed into every service: publishes what the outbox still holds (after a crash or a broker
    outage), and answers ``health`` for container orchestration. Runs in every replica; the
    outbox rows are locked while being published, so replicas do not publish one event twice
    on PostgreSQL (and at worst twice, never never, on SQLite: consumers de-duplicate)."""

    uow: UnitOfWork

    @timer(interval=RELAY_SECONDS)
    def relay_outbox(self) -> None:
        self.uow.relay_outbox()
        self.uow.redeliver_waiting()

    @rpc
    def health(self) -> dict[str, Any]:
        """``{service, status, database, outbox: {unpublished, oldest_unpublished_at}}``. That
        it answers at all shows the service is consuming from the broker; ``status`` is
        ``ok`` when the database answers too."""
        try:
            backlog, waiting = self.uow.outbox_backlog(), self.uow.waiting_summary()
            database = "ok"
        except Exception as error:  # noqa: BLE001 - reported, not raised: this is the probe
            backlog, waiting, database = None, None, f"error: {type(error).__name__}"
        oldest = backlog and backlog["oldest_unpublished_at"]
        return {
            "service": self.uow.source,
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "outbox": backlog
            and {**backlog, "oldest_unpublished_at": oldest and oldest.isoformat()},
            # Events waiting for what they need (NotYet): a growing number is worth a look.
            "waiting": waiting,
        }
