"""statement nations and sources; the nation and day of each match

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:00:00

Every statement version now names the nations whose law it states, its source and the day that
source was last checked. Rows stored before this revision were written for England (the only
nation the starter content covered) and cite nothing: they get nations ["england"], a source that
says plainly they are unreviewed, and no reviewed_on. The placeholder exists only here: loading or
saving a statement still refuses one without a real source, so the next version of each such
statement must cite one (the shipped bank does, and replaces every shipped statement on start).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

UNREVIEWED = "unreviewed: seeded before sources were required"


def upgrade() -> None:
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nations', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('reviewed_on', sa.Date(), nullable=True))
    statements = sa.table(
        'statements',
        sa.column('nations', sa.JSON()),
        sa.column('source', sa.String(length=1000)),
    )
    op.execute(statements.update().values(nations=["england"], source=UNREVIEWED))
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.alter_column('nations', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('source', existing_type=sa.String(length=1000), nullable=False)

    with op.batch_alter_table('match_results', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('nation', sa.String(length=20), nullable=False, server_default='england')
        )
        batch_op.add_column(sa.Column('matched_on', sa.Date(), nullable=True))
    # The default only fills the rows that exist now; new matches always name their nation.
    with op.batch_alter_table('match_results', schema=None) as batch_op:
        batch_op.alter_column(
            'nation', existing_type=sa.String(length=20), server_default=None
        )


def downgrade() -> None:
    with op.batch_alter_table('match_results', schema=None) as batch_op:
        batch_op.drop_column('matched_on')
        batch_op.drop_column('nation')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_column('reviewed_on')
        batch_op.drop_column('source')
        batch_op.drop_column('nations')
