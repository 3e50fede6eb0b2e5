"""the case's owner, and which tasks follow it (the framework's case_owner rule)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:00:00

Tasks stored before this revision whose framework said ``case_owner`` (or named no owner: the
same rule) follow the case owner from now on, unless an officer had reassigned them: before this
revision such a task was created without an owner and only ``reassign_task`` ever gave it one,
so a task of that rule that has an owner was reassigned by hand. The owner rule lives in the
task's JSON definition, read here in Python so the same code runs on SQLite and PostgreSQL.
The case owners themselves are not known to this service until the cases service next announces
an assignment (``case.assigned``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 500

tasks = sa.table(
    "tasks",
    sa.column("id", sa.String),
    sa.column("owner", sa.String),
    sa.column("definition", sa.JSON),
    sa.column("follows_case_owner", sa.Boolean),
)


def _follows(definition) -> bool:
    """The rule as the service reads it: ``owner`` absent means case_owner."""
    return isinstance(definition, dict) and definition.get("owner", "case_owner") == "case_owner"


def upgrade() -> None:
    with op.batch_alter_table("task_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("owner_event_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("follows_case_owner", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    # A batch at a time in id order (keyset), so a large table is never all in memory.
    bind, after = op.get_bind(), ""
    while True:
        batch = bind.execute(
            sa.select(tasks.c.id, tasks.c.definition)
            .where(tasks.c.owner.is_(None), tasks.c.id > after)
            .order_by(tasks.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        following = [task_id for task_id, definition in batch if _follows(definition)]
        if following:
            bind.execute(
                tasks.update().where(tasks.c.id.in_(following)).values(follows_case_owner=True)
            )
        after = batch[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("follows_case_owner")
    with op.batch_alter_table("task_cases", schema=None) as batch_op:
        batch_op.drop_column("owner_event_at")
        batch_op.drop_column("owner")
