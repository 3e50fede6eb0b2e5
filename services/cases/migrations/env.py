"""Alembic environment of the cases service's own database."""

from services.cases.models import metadata
from shared.migrations import run_env

run_env(metadata)
