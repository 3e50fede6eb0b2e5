"""The tamper-evident audit trail: each case's entries form a hash chain.

entry hash = sha256(previous entry's hash + canonical JSON of the entry), the first entry of a
case chaining from ``GENESIS``. Changing any stored field of any entry, deleting one, or
reordering them breaks every hash after it.

The end of the chain is recorded three times, so that deleting the last entries cannot go
unnoticed by rewinding one record: the chain head row, a copy on the case row (both written
with every entry), and heads signed with a key the database does not hold (``AuditKeys``,
written by a timer). Someone who can write to the database but does not have the key can
rewind the first two, not the signed one. See docs/security.md, "Audit trail integrity".

No database, no nameko: ``AuditKeys.from_config`` reads key files, nothing else does I/O.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.identity import key_id

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
# What a signature covers is marked as such, so a signature made for anything else with the key
# can never pass for a signed chain head.
SIGNED_HEAD_PURPOSE = "housing-options/cases/audit-chain-head/v1"


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
class Head:
    """Where a chain ends: its number of entries (the last sequence) and the last entry's hash
    (``GENESIS`` for an empty chain)."""

    sequence: int
    hash: str

    @classmethod
    def of(cls, sequence: int | None, hash_: str | None) -> Head:
        return cls(sequence or 0, hash_ or GENESIS)


@dataclass(frozen=True)
class SignedHead(Head):
    """A signed head as stored; ``signature_valid``: its signature verifies with a configured
    public key. A head whose signature does not verify proves nothing and is not compared."""

    signature_valid: bool = False


@dataclass(frozen=True)
class Verdict:
    valid: bool
    entries: int
    first_invalid_sequence: int | None = None
    problem: str | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)


def verify(
    entries: Iterable[dict[str, Any]],
    head: Head | None,
    case_head: Head | None = None,
    signed_head: SignedHead | None = None,
    off_chain: int = 0,
) -> Verdict:
    """Check a case's entries (in sequence order) against their hashes and against every record
    of where the chain ends: the chain head row (``head``, None when the row is missing), the
    case row's copy (``case_head``) and the latest signed head. ``off_chain``: entries naming
    the case that are not on its chain. Every problem found is reported, the first entry
    affected with it where there is one."""
    found: list[tuple[int | None, str]] = []
    count, hashes, broken = _walk(entries)
    if broken is not None:
        found.append(broken)
    if head is None:
        if count or (case_head is not None and case_head.sequence):
            found.append((None, "the chain head record is missing"))
    elif case_head is not None and case_head != head:
        found.append(
            (
                None,
                f"the chain head record (sequence {head.sequence}) and the case's copy of it "
                f"(sequence {case_head.sequence}) disagree",
            )
        )
    if broken is None:
        # A middle entry already broken makes these comparisons say nothing more.
        records = [("chain head record", head)]
        if case_head != head:
            records.append(("case's copy of the chain head", case_head))
        for name, record in records:
            if record is not None:
                found.extend(_compare_end(name, record, count, hashes))
        if signed_head is not None and signed_head.signature_valid:
            found.extend(_compare_signed(signed_head, count, hashes))
    if signed_head is not None and not signed_head.signature_valid:
        found.append(
            (
                None,
                f"the latest signed chain head (sequence {signed_head.sequence}) has no valid "
                "signature: it was altered, or signed with a key that is not configured",
            )
        )
    if off_chain:
        found.append((None, f"{off_chain} entries name the case but are not on its chain"))
    if not found:
        return Verdict(True, count)
    sequences = [sequence for sequence, _ in found if sequence is not None]
    problems = tuple(problem for _, problem in found)
    return Verdict(False, count, min(sequences, default=None), "; ".join(problems), problems)


def _walk(
    entries: Iterable[dict[str, Any]],
) -> tuple[int, list[str], tuple[int, str] | None]:
    """(entries counted, the hash of each entry in order, the first broken link if any)."""
    previous, count, hashes = GENESIS, 0, []
    for entry in entries:
        count += 1
        if entry["sequence"] != count:
            return count, hashes, (count, "an entry is missing or out of order")
        if entry["prev_hash"] != previous:
            return count, hashes, (entry["sequence"], "does not follow the entry before it")
        if link(previous, entry) != entry["hash"]:
            return count, hashes, (entry["sequence"], "the entry was changed after it was written")
        previous = entry["hash"]
        hashes.append(previous)
    return count, hashes, None


def _compare_end(
    name: str, record: Head, count: int, hashes: list[str]
) -> list[tuple[int | None, str]]:
    last = hashes[-1] if hashes else GENESIS
    if count < record.sequence:
        return [
            (
                count + 1,
                f"entries at the end of the chain were removed: the {name} says it ends at "
                f"sequence {record.sequence}, the entries end at {count}",
            )
        ]
    if count > record.sequence:
        return [
            (
                record.sequence + 1,
                f"entries were added after the end the {name} records (sequence "
                f"{record.sequence}) without going through the audit store",
            )
        ]
    if last != record.hash:
        return [(count or None, f"the last entry is not the one the {name} records")]
    return []


def _compare_signed(
    signed: SignedHead, count: int, hashes: list[str]
) -> list[tuple[int | None, str]]:
    if count < signed.sequence:
        return [
            (
                count + 1,
                f"entries at the end of the chain were removed: it was signed at sequence "
                f"{signed.sequence} and now ends at {count}",
            )
        ]
    if signed.sequence and hashes[signed.sequence - 1] != signed.hash:
        return [
            (
                signed.sequence,
                f"the chain differs from its signed head: entry {signed.sequence} is not the "
                "one that was signed",
            )
        ]
    return []


def head_statement(case_id: str, correlation_id: str, head: Head, signed_at: datetime) -> bytes:
    """The exact bytes a chain head's signature covers."""
    return json.dumps(
        {
            "purpose": SIGNED_HEAD_PURPOSE,
            "case_id": case_id,
            "correlation_id": correlation_id,
            "sequence": head.sequence,
            "hash": head.hash,
            "signed_at": _iso(signed_at),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")


@dataclass(frozen=True)
class AuditKeys:
    """The key that signs chain heads (None: signing is off) and the public keys that verify
    them, by key id (``shared.identity.key_id``): the signing key's own, and older keys kept
    for the heads they signed before a rotation."""

    signing_key: Ed25519PrivateKey | None = None
    public_keys: Mapping[str, Ed25519PublicKey] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return bool(self.public_keys)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AuditKeys:
        """``AUDIT_SIGNING_KEY``: path of an Ed25519 private key in PEM (optional);
        ``AUDIT_VERIFY_KEYS``: comma-separated paths of Ed25519 public keys in PEM (optional).
        A setting the config does not have is read from the environment, where the service's
        config.yaml takes it from too."""
        signing_path = _setting(config, "AUDIT_SIGNING_KEY")
        signing_key = None
        public: dict[str, Ed25519PublicKey] = {}
        if signing_path:
            loaded = serialization.load_pem_private_key(
                _read(signing_path, "AUDIT_SIGNING_KEY"), password=None
            )
            if not isinstance(loaded, Ed25519PrivateKey):
                raise ValueError("AUDIT_SIGNING_KEY must be an Ed25519 private key")
            signing_key = loaded
            public[key_id(loaded.public_key())] = loaded.public_key()
        for path in _setting(config, "AUDIT_VERIFY_KEYS").split(","):
            if path.strip():
                key = serialization.load_pem_public_key(_read(path.strip(), "AUDIT_VERIFY_KEYS"))
                if not isinstance(key, Ed25519PublicKey):
                    raise ValueError("AUDIT_VERIFY_KEYS must list Ed25519 public keys")
                public[key_id(key)] = key
        return cls(signing_key, public)

    @classmethod
    def from_environment(cls) -> AuditKeys:
        return cls.from_config({})

    def sign(self, statement: bytes) -> tuple[str, str]:
        """(key id, signature as unpadded base64url)."""
        if self.signing_key is None:
            raise ValueError("no AUDIT_SIGNING_KEY configured")
        signature = self.signing_key.sign(statement)
        return key_id(self.signing_key.public_key()), _b64(signature)

    def check(self, key: str, statement: bytes, signature: str) -> bool:
        public = self.public_keys.get(key)
        if public is None:
            return False
        try:
            public.verify(_unb64(signature), statement)
        except (InvalidSignature, ValueError):
            return False
        return True


def _setting(config: Mapping[str, Any], name: str) -> str:
    value = config.get(name) if name in config else os.environ.get(name)
    return str(value or "").strip()


def _read(path: str, setting: str) -> bytes:
    if not Path(path).is_file():
        raise ValueError(f"{setting}: key file not found: {path}")
    return Path(path).read_bytes()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
