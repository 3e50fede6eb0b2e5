"""Alembic environment of the tasks service's own database."""

from services.tasks.models import metadata
from shared.migrations import run_env

run_env(metadata)
