"""statements left out of a pack, and versions whose files were deleted

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("omitted_statements", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("files_removed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("files_removed_at")
        batch_op.drop_column("omitted_statements")
