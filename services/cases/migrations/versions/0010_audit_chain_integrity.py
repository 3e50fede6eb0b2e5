"""a second record of each audit chain's head on the case row, and signed chain heads

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audit_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("audit_head_hash", sa.String(length=64), nullable=True))
    # Existing cases start from their chain head as it stands: the copy can only show rewinding
    # done from now on (docs/security.md says to verify every case before upgrading).
    op.execute(
        """
        UPDATE cases SET
            audit_count = (SELECT last_sequence FROM audit_chains
                           WHERE audit_chains.correlation_id = cases.correlation_id),
            audit_head_hash = (SELECT last_hash FROM audit_chains
                               WHERE audit_chains.correlation_id = cases.correlation_id)
        WHERE EXISTS (SELECT 1 FROM audit_chains
                      WHERE audit_chains.correlation_id = cases.correlation_id)
        """
    )
    op.create_table(
        "audit_signed_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "sequence", name="uq_audit_signed_heads_case_sequence"),
    )


def downgrade() -> None:
    op.drop_table("audit_signed_heads")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("audit_head_hash")
        batch_op.drop_column("audit_count")
