"""Marshmallow at the boundary: one way to turn a bad payload into ``ValidationFailed``."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import EXCLUDE, RAISE, Schema, post_load
from marshmallow import ValidationError as MarshmallowError

from shared.errors import ValidationFailed


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"dotted.path": [messages]}``."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, path))
        return flat
    return {prefix or "_schema": [str(messages)]}


def load(schema: Schema, payload: Any) -> Any:
    """Validate and deserialise ``payload`` or raise ``ValidationFailed`` naming every bad field."""
    if not isinstance(payload, dict) and not schema.many:
        raise ValidationFailed({"_schema": ["payload must be an object"]})
    try:
        return schema.load(payload)
    except MarshmallowError as exc:
        raise ValidationFailed(flatten_messages(exc.messages)) from None


def arguments_schema(**declared: Any) -> Schema:
    """A schema for an RPC's plain arguments, e.g. ``arguments_schema(key=fields.String())``."""
    return Schema.from_dict(declared)()


def load_arguments(schema: Schema, **values: Any) -> dict[str, Any]:
    return load(schema, values)


class EventDataSchema(Schema):
    """An event's ``data`` as a subscriber reads it: fields it does not know are ignored, so a
    publisher may add fields without breaking anyone (docs/events.md, versioning)."""

    class Meta:
        unknown = EXCLUDE


class RequestSchema(Schema):
    """An RPC request: a field the schema does not know is refused, naming it."""

    class Meta:
        unknown = RAISE


class CommandSchema(RequestSchema):
    """An RPC request that, once valid, becomes its typed, frozen command (``command``)."""

    command: ClassVar[type]

    @post_load
    def to_command(self, data: dict[str, Any], **_: object) -> Any:
        return self.command(**data)
