"""The gateway's database, used from the event loop: each operation is one transaction of
``repository`` functions run in a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from shared.db import create_engine_for
from shared.migrations import prepare_database

T = TypeVar("T")


class GatewayStore:
    def __init__(self, url: str) -> None:
        self.engine = create_engine_for(url)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        prepare_database(self.engine, "gateway")

    def transaction(self, work: Callable[..., T], *args: Any) -> T:
        with self._sessions.begin() as db:
            return work(db, *args)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """``await store.run(repository.customer_enquiries, customer)``: ``work(db, *args)`` in
        one transaction, off the event loop."""
        return await run_in_threadpool(self.transaction, work, *args)

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["GatewayStore", "Session"]
