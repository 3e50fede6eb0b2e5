"""Marshmallow at the boundary: one way to turn a bad payload into ``ValidationFailed``."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema
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
