"""Typed errors that cross the RPC boundary as themselves. Pure Python: no nameko here.

nameko serialises an exception with its dotted path and args; ``shared.nameko_wiring`` registers
these classes so that a Python RPC caller receives the same class back; any other client sees
``exc_type`` (``ValidationFailed``, ``NotFound``, ``Conflict``, ``Forbidden``, ``InternalError``)
and ``exc_args`` in JSON.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""


class ValidationFailed(ServiceError):
    """The input was rejected. ``field_errors`` maps each field (dotted path) to its messages."""

    def __init__(self, field_errors: dict[str, Any], message: str = "validation failed") -> None:
        super().__init__(field_errors, message)
        self.field_errors = field_errors
        self.message = message

    def __str__(self) -> str:
        return f"{self.message}: {self.field_errors}"


class NotFound(ServiceError):
    """The named entity does not exist."""

    def __init__(self, entity: str, key: Any) -> None:
        super().__init__(entity, key)
        self.entity = entity
        self.key = key

    def __str__(self) -> str:
        return f"{self.entity} {self.key!r} not found"


class Conflict(ServiceError):
    """The request clashes with the entity's current state."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Forbidden(ServiceError):
    """The caller may not do this: no valid identity, a role without the right, or a resource
    that is not theirs. ``action`` names what was refused (the RPC, or ``RPC:field``);
    ``reason`` says why in words that name no personal data. Refusals are audited."""

    def __init__(
        self,
        action: str,
        reason: str,
        *,
        case_id: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        super().__init__(action, reason)
        self.action = action
        self.reason = reason
        # Where the refusal is filed on the audit trail (the case it concerns). Kept out of
        # ``args``: the caller, who may not see the case, never receives its ids.
        self.case_id = case_id
        self.correlation_id = correlation_id

    def __str__(self) -> str:
        return f"forbidden: {self.action}: {self.reason}"


EXPECTED_ERRORS = (ValidationFailed, NotFound, Conflict, Forbidden)


class InternalError(ServiceError):
    """Something went wrong that the service did not raise on purpose (a bug, a database
    failure). The caller is told only ``reference``; the service's log has the cause under the
    same reference. Not one of ``EXPECTED_ERRORS``: it is a fault, and tests that allow the
    typed errors still catch it."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference

    def __str__(self) -> str:
        return f"internal error (reference {self.reference})"


class NotYet(Exception):  # noqa: N818 - a signal, not a failure
    """What this event needs has not arrived yet (the case it names is not open yet). The event
    waits and is delivered again with backoff, for minutes, before it is parked
    (``shared.unit_of_work.WaitPolicy``); it never counts as a failure of the handler."""

    def __init__(self, waiting_for: str) -> None:
        super().__init__(waiting_for)
        self.waiting_for = waiting_for

    def __str__(self) -> str:
        return f"waiting for {self.waiting_for}"
