"""Alembic environment of the advice service's own database."""

from services.advice.models import metadata
from shared.migrations import run_env

run_env(metadata)
