"""Migration steps for the tables every service's database shares (shared.db
``add_infrastructure_tables``): each service's own Alembic revision calls them, so the five
databases get the same tables from one definition. A step, once released, never changes: a new
shape is a new step."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


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
