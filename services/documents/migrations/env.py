"""Alembic environment of the documents service's own database."""

from services.documents.models import metadata
from shared.migrations import run_env

run_env(metadata)
