"""Each service's Alembic migrations build exactly the schema its models describe, on SQLite and
(with TEST_POSTGRES_URL) PostgreSQL, and downgrade cleanly."""

import importlib

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.config import SERVICES
from shared.db import create_engine_for
from shared.migrations import alembic_config

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_the_models(service, make_database_url):
    url = make_database_url(service)
    command.upgrade(alembic_config(service, url), "head")
    metadata = importlib.import_module(f"services.{service}.models").metadata
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        assert differences == []
    finally:
        engine.dispose()
    command.downgrade(alembic_config(service, url), "base")
