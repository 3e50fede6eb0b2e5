"""Typed errors that cross the RPC boundary as themselves.

nameko serialises an exception with its dotted path and args. Registering these classes with
``deserialize_to_instance`` makes a Python RPC caller receive the same class back; any other client
sees ``exc_type`` (``ValidationFailed``, ``NotFound``, ``Conflict``) and ``exc_args`` in JSON.
"""

from __future__ import annotations

from typing import Any

from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""


@deserialize_to_instance
class ValidationFailed(ServiceError):
    """The input was rejected. ``field_errors`` maps each field (dotted path) to its messages."""

    def __init__(self, field_errors: dict[str, Any], message: str = "validation failed") -> None:
        super().__init__(field_errors, message)
        self.field_errors = field_errors
        self.message = message

    def __str__(self) -> str:
        return f"{self.message}: {self.field_errors}"


@deserialize_to_instance
class NotFound(ServiceError):
    """The named entity does not exist."""

    def __init__(self, entity: str, key: Any) -> None:
        super().__init__(entity, key)
        self.entity = entity
        self.key = key

    def __str__(self) -> str:
        return f"{self.entity} {self.key!r} not found"


@deserialize_to_instance
class Conflict(ServiceError):
    """The request clashes with the entity's current state."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


EXPECTED_ERRORS = (ValidationFailed, NotFound, Conflict)
