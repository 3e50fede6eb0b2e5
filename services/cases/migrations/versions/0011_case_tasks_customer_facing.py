"""whether a task the case summarises is for the customer (their view lists only those)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Summaries recorded before this column arrived stay officers' only until their task's next
    # event carries the flag.
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("customer_facing", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.drop_column("customer_facing")
