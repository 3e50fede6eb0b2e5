"""Alembic per service: run from a service's ``migrations/env.py`` and from ``prepare_database``."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shared.db import ENGINE_OPTIONS, normalise_url

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def run_env(target_metadata: sa.MetaData) -> None:
    """Body of every service's ``env.py``: migrate the connection we were handed, or the URL."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        engine = sa.create_engine(url, **ENGINE_OPTIONS)
        with engine.begin() as connection:
            _run(connection, target_metadata)
        return
    _run(connection, target_metadata)


def _run(connection: sa.Connection, target_metadata: sa.MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_portable_types,
    )
    with context.begin_transaction():
        context.run_migrations()


def _render_portable_types(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Migrations must not import the models' helper types: they outlive them."""
    from shared.db import UtcDateTime

    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def prepare_database(
    engine: Engine, service: str, seed: Callable[[Session], None] | None = None
) -> None:
    """Migrate to head, then load the service's seed data, in one transaction.

    Two replicas starting together would race to migrate; on PostgreSQL a transaction-scoped
    advisory lock makes the second wait and then find nothing left to do.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            lock_key = zlib.crc32(f"housing-options:{service}".encode())
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
        config = alembic_config(service, engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        if seed is not None:
            with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
                seed(session)
                # Releases the savepoint; the outer transaction commits with the migrations.
                session.commit()
