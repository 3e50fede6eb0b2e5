"""nation, suggested duty and notice check

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nation', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('suggested_duty', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('notice_check', sa.JSON(), nullable=True))

    # Every enquiry before this was made on a template that declared no law: England's, with
    # nothing checked and no duty suggested (as the enquiry.submitted upcaster reads them).
    op.execute(
        "UPDATE enquiries SET nation = 'england', suggested_duty = 'none' "
        "WHERE status = 'submitted'"
    )


def downgrade() -> None:
    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.drop_column('notice_check')
        batch_op.drop_column('suggested_duty')
        batch_op.drop_column('nation')
