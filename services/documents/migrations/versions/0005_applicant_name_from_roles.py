"""the applicant's name as the enquiry form's roles declare it

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 16:30:00

Pack requests stored before this revision came from forms whose applicant's name was the
full_name answer: it is copied across.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pack_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_name", sa.String(length=200), nullable=True))
    requests = sa.table(
        "pack_requests",
        sa.column("enquiry_id", sa.String),
        sa.column("answers", sa.JSON),
        sa.column("applicant_name", sa.String),
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(requests.c.enquiry_id, requests.c.answers)):
        name = (row.answers or {}).get("full_name") if isinstance(row.answers, dict) else None
        if isinstance(name, str) and name.strip():
            connection.execute(
                requests.update()
                .where(requests.c.enquiry_id == row.enquiry_id)
                .values(applicant_name=name.strip()[:200])
            )


def downgrade() -> None:
    with op.batch_alter_table("pack_requests", schema=None) as batch_op:
        batch_op.drop_column("applicant_name")
