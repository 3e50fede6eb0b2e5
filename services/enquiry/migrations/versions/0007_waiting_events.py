"""events waiting for what they need (NotYet), delivered again with backoff

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 16:00:00
"""

from shared.infra_migrations import create_waiting_events, drop_waiting_events

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_waiting_events()


def downgrade() -> None:
    drop_waiting_events()
