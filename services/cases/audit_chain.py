"""The tamper-evident audit trail: each case's entries form a hash chain.

entry hash = sha256(previous entry's hash + canonical JSON of the entry), the first entry of a
case chaining from ``GENESIS``. Changing any stored field of any entry, deleting one, or
reordering them breaks every hash after it; the chain head (last sequence and hash) catches a
deletion at the end. Pure functions: no database, no nameko.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "sequence",
    "event_id",
    "correlation_id",
    "case_id",
    "source",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "occurred_at",
)


def canonical(entry: dict[str, Any]) -> str:
    """Stable text of an entry: sorted keys, no spaces, times as ISO text."""
    return json.dumps(
        {name: entry.get(name) for name in CHAINED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        default=_iso,
        ensure_ascii=False,
    )


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot chain a {type(value).__name__}")


def link(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verdict:
    valid: bool
    entries: int
    first_invalid_sequence: int | None = None
    problem: str | None = None


def verify(
    entries: Iterable[dict[str, Any]], head_sequence: int | None, head_hash: str | None
) -> Verdict:
    """Check a case's entries (in sequence order) against their hashes and the chain head."""
    previous, count, expected_sequence = GENESIS, 0, 1
    for entry in entries:
        count += 1
        if entry["sequence"] != expected_sequence:
            return Verdict(False, count, expected_sequence, "an entry is missing or out of order")
        if entry["prev_hash"] != previous:
            return Verdict(False, count, entry["sequence"], "does not follow the entry before it")
        if link(previous, entry) != entry["hash"]:
            return Verdict(
                False, count, entry["sequence"], "the entry was changed after it was written"
            )
        previous, expected_sequence = entry["hash"], expected_sequence + 1
    if head_sequence is not None and (head_sequence != count or head_hash != previous):
        return Verdict(False, count, count + 1, "entries at the end of the chain were removed")
    return Verdict(True, count)
