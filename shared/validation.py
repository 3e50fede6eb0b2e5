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


def nul_characters(value: Any, path: str = "") -> dict[str, list[str]]:
    """Where a NUL character hides in a payload's strings or keys: PostgreSQL cannot store one,
    so it must be refused with the rest of the bad input, not fail deep in a query."""
    found: dict[str, list[str]] = {}
    if isinstance(value, str):
        if "\x00" in value:
            found[path or "_schema"] = ["must not contain NUL characters"]
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                found[path or "_schema"] = ["a key must not contain NUL characters"]
            else:
                found.update(nul_characters(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(nul_characters(item, f"{path}.{index}" if path else str(index)))
    return found


def load(schema: Schema, payload: Any) -> Any:
    """Validate and deserialise ``payload`` or raise ``ValidationFailed`` naming every bad field."""
    if not isinstance(payload, dict) and not schema.many:
        raise ValidationFailed({"_schema": ["payload must be an object"]})
    nul = nul_characters(payload)
    if nul:
        raise ValidationFailed(nul)
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
