"""transactional outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 17:06:58.350259
"""

from shared.infra_migrations import create_outbox, drop_outbox

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox()


def downgrade() -> None:
    drop_outbox()
