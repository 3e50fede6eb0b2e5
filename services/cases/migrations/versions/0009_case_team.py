"""the team a case belongs to (officers see their own team's cases)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cases opened before teams existed belong to the council's housing options team, the one
    # team a new installation has (CASE_TEAM).
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "team", sa.String(length=60), nullable=False, server_default="housing-options"
            )
        )
        batch_op.create_index("ix_cases_team", ["team"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_team")
        batch_op.drop_column("team")
