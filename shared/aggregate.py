"""Aggregates that record their own changes; the unit of work collects them.

A domain method (``task.start(now, actor)``) changes the aggregate and records a ``Change``: the
event to announce, built at that moment (so two changes of one aggregate in one transaction each
announce the state they left), and what the audit trail files it under. The use case only loads
the aggregate and calls the method; on commit, ``shared.unit_of_work`` takes every change the
aggregates in its session recorded and writes each event and its audit entry to the outbox, in
the order the changes happened (interleaved with anything the use case emitted itself).

Pure Python: no nameko, no database.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from shared.envelope import Envelope

# One order for everything a process records or emits: a transaction sorts by it.
_sequence = itertools.count()


def next_sequence() -> int:
    return next(_sequence)


@dataclass(frozen=True)
class Change:
    """One change an aggregate made: ``event`` is announced (None: audited only, such as an
    internal scheduling step), and the audit entry names ``actor``, the entity and the case,
    with ``before`` and ``after``, under ``action`` (the event's type unless given)."""

    actor: str
    entity_type: str
    entity_id: str
    case_id: str | None
    correlation_id: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    event: Envelope | None = None
    action: str | None = None
    causation_id: str | None = None
    sequence: int = field(default_factory=next_sequence)

    @property
    def name(self) -> str:
        return self.action or (self.event.type if self.event else "change")


class Aggregate:
    """Mixed into an aggregate root. Kept outside the mapped columns (``__dict__``), so a row
    loaded from the database records as well as one just built."""

    def record_change(self, change: Change) -> None:
        self.__dict__.setdefault("_recorded_changes", []).append(change)

    def take_changes(self) -> list[Change]:
        """The changes recorded since last taken; the aggregate forgets them."""
        return self.__dict__.pop("_recorded_changes", [])

    def peek_changes(self) -> list[Change]:
        """The changes recorded and not yet taken (for tests and for a use case's reply)."""
        return list(self.__dict__.get("_recorded_changes", []))
