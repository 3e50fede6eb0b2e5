"""Helpers for driving real service containers over the real broker."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher

from shared.db import normalise_url
from shared.envelope import Envelope


def publish(config: dict, envelope: Envelope) -> None:
    """Publish an envelope as if its source service had."""
    event_dispatcher(config)(envelope.source, envelope.type, envelope.to_message())


def publish_raw(config: dict, source: str, event_type: str, payload: Any) -> None:
    event_dispatcher(config)(source, event_type, payload)


def rows(database_url: str, query: str) -> list[tuple]:
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def enquiry_submitted(workflow: str = "prevention", answers: dict | None = None) -> Envelope:
    enquiry_id = str(uuid.uuid4())
    return Envelope(
        type="enquiry.submitted",
        version=1,
        source="enquiry",
        correlation_id=str(uuid.uuid4()),
        data={
            "enquiry_id": enquiry_id,
            "template": {"key": "housing-options-enquiry", "version": 1},
            "workflow": workflow,
            "workflow_source": "triage",
            "answers": answers or {"full_name": "Jo Bloggs"},
            "submitted_at": "2026-11-24T10:00:00Z",
        },
    )


def execute_sql(config: dict, statement: str, **params: Any) -> None:
    engine = sa.create_engine(normalise_url(config["DATABASE_URL"]))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(statement), params)
    finally:
        engine.dispose()
