"""Signed identities for tests: one Ed25519 key pair per test run (its public key is what every
service started by the tests trusts, through ``IDENTITY_PUBLIC_KEYS``), tokens for any role,
and an RPC proxy that signs each call.

``SignedRpc(config)`` is a drop-in for nameko's ``ClusterRpcProxy``: each call carries a token
for a member of staff of the default team with every staff role; where the call names an actor
(an ``actor`` argument, or the request object's ``actor``), the token is that actor's, so a test
that has "officer:2" authorise what "officer:1" proposed reads as before. ``as_role`` narrows it
to one role for the tests of the rules.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nameko.standalone.rpc import ClusterRpcProxy

from shared.identity import (
    ADMIN,
    AUDITOR,
    CASEWORKER,
    CONTEXT_KEY,
    TEAM_LEADER,
    TokenIssuer,
    new_key_pair,
)

DEFAULT_TEAM = "housing-options"
STAFF_ROLES = (CASEWORKER, TEAM_LEADER, ADMIN, AUDITOR)
DEFAULT_ACTOR = "officer:test"
# Long enough for the fault suite's submitters (minutes); real tokens live five minutes.
TEST_TOKEN_SECONDS = 3600


def _key_directory() -> Path:
    """One key pair per test run, shared with the service processes the tests start (they
    inherit the environment)."""
    existing = os.environ.get("TEST_IDENTITY_KEY_DIR")
    if existing and (Path(existing) / "identity.key").is_file():
        return Path(existing)
    directory = Path(tempfile.mkdtemp(prefix="identity-keys-"))
    private, public = new_key_pair()
    (directory / "identity.key").write_bytes(private)
    (directory / "identity.pub").write_bytes(public)
    os.environ["TEST_IDENTITY_KEY_DIR"] = str(directory)
    return directory


KEY_DIR = _key_directory()
PRIVATE_KEY = KEY_DIR / "identity.key"
PUBLIC_KEY = KEY_DIR / "identity.pub"
ISSUER = TokenIssuer(PRIVATE_KEY.read_bytes(), lifetime_seconds=TEST_TOKEN_SECONDS)


def identity_config() -> dict[str, str]:
    """What a service's config needs to trust the tests' tokens."""
    return {"IDENTITY_PUBLIC_KEYS": str(PUBLIC_KEY)}


def token(
    roles: Iterable[str] = STAFF_ROLES,
    actor: str = DEFAULT_ACTOR,
    *,
    team: str | None = DEFAULT_TEAM,
    subject: str | None = None,
    **claims: Any,
) -> str:
    return ISSUER.mint(subject or actor, roles, actor=actor, team=team, **claims)


def customer_token(enquiries: Iterable[str] = (), cases: Iterable[str] = (), **claims: Any) -> str:
    subject = claims.pop("subject", "customer:test")
    return ISSUER.mint(
        subject, ["customer"], actor="customer", enquiries=enquiries, cases=cases, **claims
    )


class _Method:
    def __init__(self, signer: SignedRpc, proxy: Any, service: str, name: str) -> None:
        self._signer, self._proxy, self._service, self._name = signer, proxy, service, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._sign(args, kwargs)
        return getattr(getattr(self._proxy, self._service), self._name)(*args, **kwargs)

    def call_async(self, *args: Any, **kwargs: Any) -> Any:
        self._sign(args, kwargs)
        return getattr(getattr(self._proxy, self._service), self._name).call_async(*args, **kwargs)

    def _sign(self, args: tuple, kwargs: dict) -> None:
        self._proxy._worker_ctx.data[CONTEXT_KEY] = self._signer.token_for(args, kwargs)


class _Service:
    def __init__(self, signer: SignedRpc, proxy: Any, service: str) -> None:
        self._signer, self._proxy, self._service = signer, proxy, service

    def __getattr__(self, name: str) -> _Method:
        return _Method(self._signer, self._proxy, self._service, name)


class _Services:
    def __init__(self, signer: SignedRpc, proxy: Any) -> None:
        self._signer, self._proxy = signer, proxy

    def __getattr__(self, service: str) -> _Service:
        return _Service(self._signer, self._proxy, service)

    def __getitem__(self, service: str) -> _Service:
        return _Service(self._signer, self._proxy, service)


class SignedRpc:
    """``with SignedRpc(config) as rpc: rpc.cases.get_case(...)``, every call signed.
    ``token``: one fixed token for every call (a role under test, or a bad one) instead."""

    def __init__(
        self,
        config: dict[str, Any],
        *,
        roles: Iterable[str] = STAFF_ROLES,
        team: str | None = DEFAULT_TEAM,
        token: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self._config, self._timeout = config, timeout
        self._roles, self._team, self._fixed = tuple(roles), team, token
        self._inner: ClusterRpcProxy | None = None

    def token_for(self, args: tuple, kwargs: dict) -> str:
        if self._fixed is not None:
            return self._fixed
        actor = kwargs.get("actor")
        if actor is None and args and isinstance(args[0], dict):
            actor = args[0].get("actor")
        actor = actor if isinstance(actor, str) and actor else DEFAULT_ACTOR
        # Minted for each call: a test that moves the clock (time-machine) gets a token that
        # is valid at the time it moved to.
        return token(self._roles, actor, team=self._team)

    def start(self) -> _Services:
        """As ``ClusterRpcProxy.start``: for a proxy kept across calls (``stop`` when done)."""
        self._inner = ClusterRpcProxy(self._config, timeout=self._timeout, context_data={})
        return _Services(self, self._inner.start())

    def stop(self) -> None:
        if self._inner is not None:
            self._inner.stop()

    def __enter__(self) -> _Services:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
