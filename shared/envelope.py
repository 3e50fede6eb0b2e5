"""The event envelope: the public, versioned contract every published event follows.

See docs/events.md. An envelope is a plain dict on the wire:

    {"id", "type", "version", "source", "time", "correlation_id", "causation_id", "data"}
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.clock import isoformat, utcnow
from shared.validation import load


@dataclass(frozen=True)
class Envelope:
    type: str
    version: int
    source: str
    data: dict[str, Any]
    correlation_id: str
    causation_id: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: isoformat(utcnow()))

    def to_message(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "source": self.source,
            "time": self.time,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "data": self.data,
        }


class EnvelopeSchema(Schema):
    class Meta:
        # A newer publisher may add envelope fields; older subscribers must keep working.
        unknown = EXCLUDE

    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    source = fields.String(required=True, validate=validate.Length(min=1, max=50))
    time = fields.String(required=True)
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    causation_id = fields.String(load_default=None, allow_none=True)
    data = fields.Dict(required=True)


_ENVELOPE = EnvelopeSchema()


def parse_envelope(message: Any) -> Envelope:
    """Validate an incoming message; raises ``ValidationFailed`` naming the bad envelope fields."""
    loaded = load(_ENVELOPE, message)
    return Envelope(**loaded)


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def load_event_data(event: Envelope, schema: Schema, versions: frozenset[int] | None = None) -> Any:
    """Validate an event's data against the schema of the newest version of its type (or of
    ``versions``), after bringing an older version up through the registered upcasters
    (``shared.contracts``); anything else is a ``ValidationFailed`` (the event is parked, not
    half-applied). A subscriber written for version N keeps working when N + 1 is published
    only if it is upgraded or an upcaster exists: that is the migration path."""
    from shared.contracts import latest_version, upcast
    from shared.errors import ValidationFailed

    version, data = upcast(event.type, event.version, event.data)
    versions = versions or frozenset({latest_version(event.type)})
    if version not in versions:
        raise ValidationFailed(
            {
                "version": [
                    f"{event.type} version {event.version} is not supported ({sorted(versions)})"
                ]
            }
        )
    try:
        return load(schema, data)
    except ValidationFailed as exc:
        raise ValidationFailed({f"data.{k}": v for k, v in exc.field_errors.items()}) from None
