"""Migration steps for the tables every service's database shares (shared.db
``add_infrastructure_tables``): each service's own Alembic revision calls them, so the five
databases get the same tables from one definition. A step, once released, never changes: a new
shape is a new step."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_inbox_and_parking() -> None:
    """processed_events (the inbox) and rejected_events (parked events): every initial schema."""
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "handler"),
    )
    op.create_table(
        "rejected_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def drop_inbox_and_parking() -> None:
    op.drop_table("rejected_events")
    op.drop_table("processed_events")


def create_outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_published_at"), ["published_at"], unique=False)


def drop_outbox() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_published_at"))
    op.drop_table("outbox")


def create_event_failures() -> None:
    op.create_table(
        "event_failures",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "handler"),
    )


def drop_event_failures() -> None:
    op.drop_table("event_failures")


def create_waiting_events() -> None:
    op.create_table(
        "waiting_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=False),
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("waiting_for", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "handler"),
    )
    op.create_index("ix_waiting_events_next_attempt_at", "waiting_events", ["next_attempt_at"])


def drop_waiting_events() -> None:
    op.drop_index("ix_waiting_events_next_attempt_at", table_name="waiting_events")
    op.drop_table("waiting_events")
