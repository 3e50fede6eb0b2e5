"""failed event attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 17:17:40.037988
"""

from shared.infra_migrations import create_event_failures, drop_event_failures

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_failures()


def downgrade() -> None:
    drop_event_failures()
