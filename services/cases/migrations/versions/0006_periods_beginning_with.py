"""statutory periods counted beginning with their first day; endings; backdating

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 15:10:00

Clocks stored before this revision ended one day late (start + N instead of start + N - 1) and
had no ending; prevention clocks under the old "section 21 exception" had no last day at all.
Each is recomputed from its first day, as the statutes count it.
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PERIOD_DAYS = {"prevention_duty": 56, "relief_duty": 56, "review_request_window": 21}
REVIEW_WEEKS = {
    "review_decision_php_steps": 3,
    "review_decision_prevention_non_cooperation": 3,
    "review_decision_standard": 8,
    "review_decision_joint_local_connection": 10,
    "review_decision_appointed_person": 12,
}
DUTIES = ("prevention_duty", "relief_duty")


def upgrade() -> None:
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ending", sa.String(length=30), nullable=False, server_default="deadline")
        )
        batch_op.add_column(
            sa.Column("citation", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("start_reason", sa.Text(), nullable=True))
        batch_op.alter_column("expired_at", new_column_name="period_ended_at")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority_need", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("intentionally_homeless", sa.Boolean(), nullable=True))
        batch_op.drop_column("s21_threat")

    clocks = sa.table(
        "case_clocks",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("starts_on", sa.Date),
        sa.column("due_on", sa.Date),
        sa.column("warn_on", sa.Date),
        sa.column("ending", sa.String),
        sa.column("note", sa.Text),
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(clocks.c.id, clocks.c.kind, clocks.c.starts_on)):
        days = PERIOD_DAYS.get(row.kind) or 7 * REVIEW_WEEKS.get(row.kind, 8)
        last_day = row.starts_on + timedelta(days=days - 1)
        connection.execute(
            clocks.update()
            .where(clocks.c.id == row.id)
            .values(
                due_on=last_day,
                warn_on=max(row.starts_on, last_day - timedelta(days=7)),
                # Findings for s.189B(4) were never recorded: a notice is needed to end relief.
                ending="may_end_by_notice" if row.kind in DUTIES else "deadline",
                note="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("s21_threat", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_column("intentionally_homeless")
        batch_op.drop_column("priority_need")
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.alter_column("period_ended_at", new_column_name="expired_at")
        batch_op.drop_column("start_reason")
        batch_op.drop_column("citation")
        batch_op.drop_column("ending")
