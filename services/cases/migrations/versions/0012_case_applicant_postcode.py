"""the applicant's postcode on the case, to find a case by it

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 00:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cases opened before this column arrived have no postcode here (the cases service never
    # kept the answers); they are still found by reference and name.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_postcode", sa.String(length=8), nullable=True))
        batch_op.create_index("ix_cases_applicant_postcode", ["applicant_postcode"])


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_applicant_postcode")
        batch_op.drop_column("applicant_postcode")
