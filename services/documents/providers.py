"""The documents service's dependency providers: the encrypted file store, the renderer with
its worker processes, and a unit of work whose writes take turns on SQLite."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any

from nameko.extensions import DependencyProvider

from services.documents import isolation, operations
from services.documents.encryption import Keyring
from services.documents.file_store import FileStore
from shared.nameko_wiring import UnitOfWorkProvider
from shared.unit_of_work import UnitOfWork


class DocumentStore(DependencyProvider):
    """The encrypted file store under ``DOCUMENT_STORE_PATH`` with the keys of ``DOCUMENT_KEYS``
    (``encryption.Keyring``): one per container, shared by its workers. A key that cannot be
    read stops the service on start."""

    def setup(self) -> None:
        config = self.container.config
        self.store = FileStore(config["DOCUMENT_STORE_PATH"], Keyring.from_config(config))

    def get_dependency(self, worker_ctx: Any) -> FileStore:
        return self.store


class PackRenderer(DependencyProvider):
    """What renders and stores documents: the file store, the council's branding
    (``COUNCIL``), the render worker processes with their budget (``DOCUMENT_STATEMENT_*``,
    ``DOCUMENT_PDF_*``, ``DOCUMENT_RENDER_*``) and the retention rules
    (``DOCUMENT_REGENERATIONS_PER_HOUR``, ``DOCUMENT_KEEP_VERSIONS``), read once when the
    container starts; the workers stop with it."""

    def setup(self) -> None:
        config = self.container.config
        self.workers = isolation.RenderWorkers(isolation.RenderLimits.from_config(config))
        self.renderer = operations.Renderer(
            FileStore(config["DOCUMENT_STORE_PATH"], Keyring.from_config(config)),
            dict(config["COUNCIL"]),
            self.workers,
            operations.Retention.from_config(config),
        )

    def stop(self) -> None:
        self.workers.close()

    def kill(self) -> None:
        self.workers.close()

    def get_dependency(self, worker_ctx: Any) -> operations.Renderer:
        return self.renderer


class _TakingTurns(UnitOfWork):
    """A unit of work whose writes take turns with the container's other workers. Renders wait
    on a worker process, so other green threads run meanwhile; on SQLite one of them writing
    while a render holds the write lock would wait inside the driver, stopping every green
    thread, the render's too."""

    turn: Any

    @contextmanager
    def transaction(self) -> Any:
        with self.turn, super().transaction() as tx:
            yield tx

    def handle_event(self, message: Any, apply: Any) -> Any:
        with self.turn:
            return super().handle_event(message, apply)

    def relay_outbox(self, only: list[int] | None = None, limit: int = 500) -> int:
        with self.turn:
            return super().relay_outbox(only, limit)

    def redeliver_waiting(self, limit: int = 100) -> int:
        with self.turn:
            return super().redeliver_waiting(limit)


class DocumentsUnitOfWork(UnitOfWorkProvider):
    """The shared unit of work; on SQLite, one writer at a time (``_TakingTurns``)."""

    def setup(self) -> None:
        super().setup()
        self.turn = threading.RLock()

    def get_dependency(self, worker_ctx: Any) -> UnitOfWork:
        uow = super().get_dependency(worker_ctx)
        if self.engine is not None and self.engine.dialect.name == "sqlite":
            uow.__class__ = _TakingTurns
            uow.turn = self.turn
        return uow
