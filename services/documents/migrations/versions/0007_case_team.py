"""the team of each case (officers see their own team's documents)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 18:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # None for cases opened before case.opened announced a team: any officer sees them.
    with op.batch_alter_table("pack_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pack_requests", schema=None) as batch_op:
        batch_op.drop_column("team")
