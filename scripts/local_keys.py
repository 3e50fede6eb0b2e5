"""The identity key pair of a local run (`make run`, `make demo`): made once under var/keys/,
the private key readable by its owner only. Services trust the public key; the demo and the
operator commands sign their tokens with the private one. A real installation sets
IDENTITY_PUBLIC_KEYS to the gateway's public key instead (docs/security.md), and no service ever
holds a private identity key."""

from __future__ import annotations

import os
from pathlib import Path

from shared.identity import new_key_pair

ROOT = Path(__file__).resolve().parents[1]
KEY_DIR = ROOT / "var" / "keys"
PRIVATE_KEY = KEY_DIR / "identity.key"
PUBLIC_KEY = KEY_DIR / "identity.pub"


def ensure_local_keys() -> tuple[Path, Path]:
    """(private, public) key files, made if missing."""
    if not (PRIVATE_KEY.is_file() and PUBLIC_KEY.is_file()):
        KEY_DIR.mkdir(parents=True, exist_ok=True)
        os.chmod(KEY_DIR, 0o700)
        private, public = new_key_pair()
        descriptor = os.open(PRIVATE_KEY, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(private)
        PUBLIC_KEY.write_bytes(public)
    return PRIVATE_KEY, PUBLIC_KEY


def signing_key() -> Path:
    """The private key the local tools sign with: IDENTITY_SIGNING_KEY, else the local run's."""
    configured = os.environ.get("IDENTITY_SIGNING_KEY")
    return Path(configured) if configured else ensure_local_keys()[0]
