"""The secrets of a local run (`make run`, `make demo`), made once under var/keys/ and readable
by their owner only: the identity key pair (services trust the public key; the demo signs its
tokens with the private one) and the passwords of the services' own broker users (the closed
bus). A real installation sets IDENTITY_PUBLIC_KEYS to the gateway's public key instead and
creates the broker users with deploy/rabbitmq-users.sh (docs/security.md); no service ever holds
a private identity key."""

from __future__ import annotations

import json
import os
import secrets
import urllib.parse
from pathlib import Path

from shared.identity import new_key_pair

ROOT = Path(__file__).resolve().parents[1]
KEY_DIR = ROOT / "var" / "keys"
PRIVATE_KEY = KEY_DIR / "identity.key"
PUBLIC_KEY = KEY_DIR / "identity.pub"
BROKER_PASSWORDS = KEY_DIR / "broker-passwords.json"


def _private_file(path: Path, content: bytes) -> None:
    KEY_DIR.mkdir(parents=True, exist_ok=True)
    os.chmod(KEY_DIR, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def ensure_local_keys() -> tuple[Path, Path]:
    """(private, public) key files, made if missing."""
    if not (PRIVATE_KEY.is_file() and PUBLIC_KEY.is_file()):
        private, public = new_key_pair()
        _private_file(PRIVATE_KEY, private)
        PUBLIC_KEY.write_bytes(public)
    return PRIVATE_KEY, PUBLIC_KEY


def local_broker_users(amqp_uri: str, api_uri: str) -> dict[str, dict[str, str]]:
    """Each service's own broker user in ``amqp_uri``'s vhost (scripts/broker_users.py), with
    passwords made once and kept under var/keys/: ``{service: {"AMQP_URI": ...}}`` for the
    service processes. ``amqp_uri``'s user, the local administrator, declares the services'
    event exchanges first."""
    from scripts import broker_users

    passwords = local_broker_passwords()
    vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:]) or "/"
    broker_users.apply(api_uri, vhost, passwords)
    broker_users.declare_event_exchanges(amqp_uri)
    return broker_users.service_uris(amqp_uri, passwords)


def signing_key() -> Path:
    """The private key the local tools sign with: IDENTITY_SIGNING_KEY, else the local run's."""
    configured = os.environ.get("IDENTITY_SIGNING_KEY")
    return Path(configured) if configured else ensure_local_keys()[0]


def local_broker_passwords() -> dict[str, str]:
    """The services' broker users' passwords, made once and kept under var/keys/. The users are
    the broker's, not a vhost's, so everything run from this checkout (`make run`, and the
    tests, each in a vhost of its own) must give them the same passwords: a run that set new
    ones would lock out another running beside it."""
    from scripts import broker_users
    from shared.config import SERVICES

    users = [broker_users.user_of(service) for service in (*SERVICES, broker_users.GATEWAY)]
    for _ in range(3):
        known = json.loads(BROKER_PASSWORDS.read_text()) if BROKER_PASSWORDS.is_file() else {}
        passwords = {user: known.get(user) or secrets.token_hex(16) for user in users}
        if passwords == known:
            return passwords
        if known:
            _private_file(BROKER_PASSWORDS, json.dumps(passwords, indent=2).encode())
            return passwords
        try:  # the first run of all: two starting together must not write two sets
            _new_private_file(BROKER_PASSWORDS, json.dumps(passwords, indent=2).encode())
            return passwords
        except FileExistsError:
            continue
    raise RuntimeError(f"could not settle the broker passwords in {BROKER_PASSWORDS}")


def _new_private_file(path: Path, content: bytes) -> None:
    KEY_DIR.mkdir(parents=True, exist_ok=True)
    os.chmod(KEY_DIR, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
