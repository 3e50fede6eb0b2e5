"""dated framework editions by nation, cases known to the tasks service, duty task plans

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 16:00:00

Frameworks stored before this revision were England's (their tasks cite the Housing Act 1996
as amended by the Homelessness Reduction Act 2017, in force from 3 April 2018): each becomes an
England edition from that day, marked as seed so the shipped frameworks replace their own
workflows' editions on the next start, as every start did before.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

HRA_2017_IN_FORCE = date(2018, 4, 3)

old_frameworks = sa.table(
    "task_frameworks",
    sa.column("workflow", sa.String),
    sa.column("tasks", sa.JSON),
    sa.column("version", sa.Integer),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
editions = sa.table(
    "task_frameworks",
    sa.column("id", sa.String),
    sa.column("workflow", sa.String),
    sa.column("nations", sa.JSON),
    sa.column("effective_from", sa.Date),
    sa.column("effective_to", sa.Date),
    sa.column("tasks", sa.JSON),
    sa.column("on_duty", sa.JSON),
    sa.column("origin", sa.String),
    sa.column("version", sa.Integer),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
tasks = sa.table(
    "tasks",
    sa.column("case_id", sa.String),
    sa.column("case_reference", sa.String),
    sa.column("correlation_id", sa.String),
    sa.column("workflow", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
task_cases = sa.table(
    "task_cases",
    sa.column("case_id", sa.String),
    sa.column("reference", sa.String),
    sa.column("correlation_id", sa.String),
    sa.column("workflow", sa.String),
    sa.column("nation", sa.String),
    sa.column("opened_on", sa.Date),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def _aware(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def upgrade() -> None:
    bind = op.get_bind()
    stored = bind.execute(sa.select(old_frameworks)).mappings().all()
    op.drop_table('task_frameworks')
    op.create_table('task_frameworks',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('workflow', sa.String(length=50), nullable=False),
    sa.Column('nations', sa.JSON(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('tasks', sa.JSON(), nullable=False),
    sa.Column('on_duty', sa.JSON(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('task_frameworks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_frameworks_workflow'), ['workflow'], unique=False)
    if stored:
        op.bulk_insert(editions, [
            {
                "id": f"{row['workflow']}/england/{HRA_2017_IN_FORCE.isoformat()}",
                "workflow": row["workflow"],
                "nations": ["england"],
                "effective_from": HRA_2017_IN_FORCE,
                "effective_to": None,
                "tasks": row["tasks"],
                "on_duty": {},
                "origin": "seed",
                "version": row["version"],
                "updated_at": _aware(row["updated_at"]),
            }
            for row in stored
        ])

    op.create_table('task_cases',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('correlation_id', sa.String(length=64), nullable=False),
    sa.Column('workflow', sa.String(length=50), nullable=False),
    sa.Column('nation', sa.String(length=20), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=True),
    sa.Column('stage_event_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('task_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_cases_correlation_id'), ['correlation_id'], unique=False)
    # Cases whose tasks exist already: the service knew them before it kept this table.
    known = {}
    for row in bind.execute(sa.select(tasks)).mappings():
        created = _aware(row["created_at"])
        first = known.get(row["case_id"])
        if first is None or created < first["created_at"]:
            known[row["case_id"]] = {
                "case_id": row["case_id"],
                "reference": row["case_reference"],
                "correlation_id": row["correlation_id"],
                "workflow": row["workflow"],
                "nation": "england",
                "opened_on": created.astimezone(ZoneInfo("Europe/London")).date(),
                "created_at": created,
            }
    if known:
        op.bulk_insert(task_cases, list(known.values()))

    op.create_table('duty_plans',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('duty', sa.String(length=20), nullable=False),
    sa.Column('entry', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('day_after', sa.Date(), nullable=True),
    sa.Column('framework_id', sa.String(length=120), nullable=True),
    sa.Column('framework_version', sa.Integer(), nullable=True),
    sa.Column('started_by_event', sa.String(length=64), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'duty', 'entry')
    )
    with op.batch_alter_table('duty_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_plans_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duty', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('duty_plan_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_tasks_duty_plan_id'), ['duty_plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_duty_plan_id'))
        batch_op.drop_column('duty_plan_id')
        batch_op.drop_column('duty')

    with op.batch_alter_table('duty_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_plans_case_id'))
    op.drop_table('duty_plans')

    with op.batch_alter_table('task_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_cases_correlation_id'))
    op.drop_table('task_cases')

    bind = op.get_bind()
    # One framework per workflow again: the edition that began last (its duty part is lost).
    latest = {}
    for row in bind.execute(sa.select(editions)).mappings():
        kept = latest.get(row["workflow"])
        if kept is None or row["effective_from"] > kept["effective_from"]:
            latest[row["workflow"]] = row
    with op.batch_alter_table('task_frameworks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_frameworks_workflow'))
    op.drop_table('task_frameworks')
    op.create_table('task_frameworks',
    sa.Column('workflow', sa.String(length=50), nullable=False),
    sa.Column('tasks', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('workflow')
    )
    if latest:
        op.bulk_insert(old_frameworks, [
            {
                "workflow": row["workflow"],
                "tasks": row["tasks"],
                "version": row["version"],
                "updated_at": _aware(row["updated_at"]),
            }
            for row in latest.values()
        ])
