"""Alembic environment of the enquiry service's own database."""

from services.enquiry.models import metadata
from shared.migrations import run_env

run_env(metadata)
