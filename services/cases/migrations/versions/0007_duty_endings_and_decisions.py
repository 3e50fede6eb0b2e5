"""duty endings, decisions with review rights, non-cooperation sign-off, nation, notice check
and the duty to refer

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 16:00:00

Cases opened before this revision were all decided under England's law: they get nation
"england". Existing review-request windows stay stage clocks (no decision id).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_decisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("duty", sa.String(length=20), nullable=False),
        sa.Column("ground", sa.String(length=60), nullable=True),
        sa.Column("citation", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("review_category", sa.String(length=40), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_grade", sa.String(length=30), nullable=True),
        sa.Column("authorised_by", sa.String(length=100), nullable=True),
        sa.Column("authorised_grade", sa.String(length=30), nullable=True),
        sa.Column("authorised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warning_given_on", sa.Date(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_decisions_case_id", "case_decisions", ["case_id"])
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_case_clocks_decision_id", ["decision_id"])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("nation", sa.String(length=20), nullable=False, server_default="england")
        )
        batch_op.add_column(sa.Column("suggested_duty", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("notice_check", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("referred_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("referral_consent", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("referral_consent")
        batch_op.drop_column("referred_by")
        batch_op.drop_column("notice_check")
        batch_op.drop_column("suggested_duty")
        batch_op.drop_column("nation")
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_case_clocks_decision_id")
        batch_op.drop_column("decision_id")
    op.drop_index("ix_case_decisions_case_id", table_name="case_decisions")
    op.drop_table("case_decisions")
