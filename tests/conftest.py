"""Shared test fixtures. eventlet must patch the standard library before anything imports it:
without this, nameko's test helpers hang."""

import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402

import shared.nameko_wiring  # noqa: E402, F401 - RPC callers get the typed errors back
from shared.db import normalise_url  # noqa: E402
from tests.identity import identity_config  # noqa: E402

# No log line or error the suite produces may hold its sample personal data (PII_LEAK_CHECK=0
# turns the check off): tests/leak_check.py.
pytest_plugins = ["tests.leak_check"]


def pytest_configure(config: pytest.Config) -> None:
    """The broker the tests use is the one ``make test`` checked (scripts/local_services.py):
    ``AMQP_URI`` and ``RABBIT_API_URI`` when set, unless given as pytest options."""
    from scripts.local_services import rabbit_api_uri

    if os.environ.get("AMQP_URI") and config.option.RABBIT_AMQP_URI.startswith("pyamqp://guest"):
        config.option.RABBIT_AMQP_URI = os.environ["AMQP_URI"]
    if config.option.RABBIT_API_URI == "http://guest:guest@localhost:15672":
        config.option.RABBIT_API_URI = rabbit_api_uri()
    # Every service the tests start, in this process or as a child, trusts the tests' key.
    from tests.identity import PUBLIC_KEY

    os.environ["IDENTITY_PUBLIC_KEYS"] = str(PUBLIC_KEY)


# Set TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres) to run every
# database-backed test on PostgreSQL, one fresh database per service per test; default SQLite.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL")


@pytest.fixture
def make_database_url(tmp_path) -> Iterator[Callable[[str], str]]:
    created: list[str] = []
    admin = (
        sa.create_engine(normalise_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
        if POSTGRES_ADMIN_URL
        else None
    )

    def make(service: str) -> str:
        if admin is None:
            return f"sqlite:///{tmp_path / f'{service}.db'}"
        name = f"test_{service}_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return admin.url.set(database=name).render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as connection:
            for name in created:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def service_config(rabbit_config, make_database_url, tmp_path) -> Callable[[str], dict]:
    """A nameko config for one service: the test's own vhost and a fresh database."""

    def make(service: str, **extra) -> dict:
        return {
            **rabbit_config,
            "DATABASE_URL": make_database_url(service),
            "DOCUMENT_STORE_PATH": str(tmp_path / "documents"),
            **identity_config(),
            "COUNCIL": {
                "name": "Test Borough Council",
                "phone": "0300 000 0000",
                "email": "housing@test.example",
                "colour": "#224466",
                "contact_text": "Call us.",
            },
            **extra,
        }

    return make
