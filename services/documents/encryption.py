"""Document files encrypted at rest: AES-256-GCM with keys from configuration.

``DOCUMENT_KEYS`` lists key files, comma-separated: the first is the current key, which encrypts
every new file; the others only decrypt, so files written before a rotation stay readable until
``python -m services.documents.keys reencrypt`` (or a read, see ``FileStore``) moves them to the
current key. A key file holds 32 random bytes as base64 on one line (``keys new`` makes one).

Each file is ``MAGIC + key id + nonce + ciphertext``: the key id says which key to decrypt with,
and the file's path in the store is the associated data, so a file copied over another does not
decrypt. Left empty, ``DOCUMENT_KEYS`` means the development key: ``var/keys/documents.key`` of
this checkout, made on first use (readable by its owner only), as ``make run`` makes the identity
keys there."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"HODOC1"
KEY_ID_LENGTH = 16
NONCE_LENGTH = 12
KEY_BYTES = 32
ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_KEY = ROOT / "var" / "keys" / "documents.key"

log = logging.getLogger(__name__)
# Development keys already warned about in this process (each container loads the key twice).
_announced: set[str] = set()


class KeyProblem(Exception):
    """A key that cannot be used, or a file no configured key opens. The message names the
    setting or the key id, never a key."""


def key_id(key: bytes) -> str:
    """A key's public name, written in each file it encrypts (16 hex characters)."""
    return hashlib.sha256(b"housing-options document key\0" + key).hexdigest()[:KEY_ID_LENGTH]


def new_key_text() -> str:
    """A new key, as a key file holds it."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii") + "\n"


def write_private_file(path: Path, text: str) -> None:
    """``text`` in a file only its owner can read, in a folder only its owner can open."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(text)


def read_key_file(path: Path, setting: str = "DOCUMENT_KEYS") -> bytes:
    if not path.is_file():
        raise KeyProblem(f"{setting}: key file not found: {path}")
    try:
        key = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise KeyProblem(f"{setting}: {path} does not hold a base64 key") from None
    if len(key) != KEY_BYTES:
        raise KeyProblem(f"{setting}: {path} holds {len(key)} bytes, not {KEY_BYTES}")
    return key


class Keyring:
    """The current key and the older ones that still decrypt, by key id."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise KeyProblem("DOCUMENT_KEYS: no key")
        self.current_id = key_id(keys[0])
        self._ciphers = {key_id(key): AESGCM(key) for key in reversed(keys)}

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    def encrypt(self, plaintext: bytes, name: str) -> bytes:
        nonce = os.urandom(NONCE_LENGTH)
        sealed = self._ciphers[self.current_id].encrypt(nonce, plaintext, name.encode())
        return MAGIC + self.current_id.encode("ascii") + nonce + sealed

    def decrypt(self, blob: bytes, name: str) -> bytes:
        """The plaintext of a file written by ``encrypt`` under ``name``."""
        used = key_id_of(blob)
        if used is None:
            raise KeyProblem("not an encrypted document file")
        cipher = self._ciphers.get(used)
        if cipher is None:
            raise KeyProblem(f"document file encrypted with key {used}, which is not configured")
        start = len(MAGIC) + KEY_ID_LENGTH
        nonce, sealed = blob[start : start + NONCE_LENGTH], blob[start + NONCE_LENGTH :]
        try:
            return cipher.decrypt(nonce, sealed, name.encode())
        except InvalidTag:
            raise KeyProblem(f"document file {name!r} was altered or moved") from None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Keyring:
        """``DOCUMENT_KEYS`` from the service's config (else the environment), or the
        development key when it is empty."""
        value = config.get("DOCUMENT_KEYS") if "DOCUMENT_KEYS" in config else None
        if value is None:
            value = os.environ.get("DOCUMENT_KEYS", "")
        paths = [Path(p.strip()) for p in str(value or "").split(",") if p.strip()]
        if not paths:
            return cls([development_key()])
        return cls([read_key_file(path) for path in paths])


def key_id_of(blob: bytes) -> str | None:
    """The id of the key a file was encrypted with; None for a file that is not encrypted."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + KEY_ID_LENGTH + NONCE_LENGTH:
        return None
    return blob[len(MAGIC) : len(MAGIC) + KEY_ID_LENGTH].decode("ascii", errors="replace")


def development_key() -> bytes:
    """This checkout's development key, made if missing. Never for real documents: a deployment
    sets DOCUMENT_KEYS (docs/documents.md, "Encryption at rest")."""
    if not DEVELOPMENT_KEY.is_file():
        try:
            write_private_file(DEVELOPMENT_KEY, new_key_text())
        except OSError as problem:
            # FileExistsError: another service process made it first, which is fine.
            if not DEVELOPMENT_KEY.is_file():
                raise KeyProblem(
                    f"DOCUMENT_KEYS is not set and the development key cannot be made at"
                    f" {DEVELOPMENT_KEY} ({problem.strerror}); set DOCUMENT_KEYS"
                ) from None
    key = read_key_file(DEVELOPMENT_KEY, "development key")
    if key_id(key) not in _announced:
        _announced.add(key_id(key))
        log.warning(
            "documents are encrypted with the development key %s: set DOCUMENT_KEYS for real data",
            DEVELOPMENT_KEY,
        )
    return key
