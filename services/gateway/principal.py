"""Who a request comes from, once the gateway has authenticated it, and the short-lived internal
identity token it mints for them (shared/identity.py) on each call to a service.

The gateway decides who someone is, never what they may do: the token carries their roles and
team (and for a customer the enquiries and cases the gateway saw them start), and each service
applies its own rules (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.identity import CUSTOMER, TokenIssuer

Kind = Literal["staff", "customer", "client"]
# Minted tokens reused while at least this much of their life is left: a service checks a token's
# signature once and then finds it in its cache (benchmarks/token_check.py).
REUSE_MARGIN_SECONDS = 60
MINTED_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Principal:
    kind: Kind
    subject: str
    roles: frozenset[str]
    team: str | None = None
    # How the request proved it: a session cookie (with its CSRF token) or a bearer token.
    session_id: str | None = field(default=None, compare=False)
    csrf_token: str | None = field(default=None, compare=False)

    @property
    def is_customer(self) -> bool:
        return self.kind == "customer"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "roles": sorted(self.roles),
            "team": self.team,
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], session_id: str | None = None, csrf_token: str | None = None
    ) -> Principal:
        return cls(
            kind=data["kind"],
            subject=data["subject"],
            roles=frozenset(data["roles"]),
            team=data.get("team"),
            session_id=session_id,
            csrf_token=csrf_token,
        )

    @classmethod
    def customer(cls, customer_id: str) -> Principal:
        return cls(kind="customer", subject=customer_id, roles=frozenset({CUSTOMER}))


def customer_id(email: str, secret: str) -> str:
    """A customer's stable id from their email address, keyed so that it reveals nothing: the
    address itself is never stored, logged or put in a token."""
    normalised = email.strip().lower()
    mac = hmac.new(secret.encode(), normalised.encode(), hashlib.sha256).hexdigest()
    return f"customer:{mac[:32]}"


class InternalTokens:
    """Mints the services' identity tokens, reusing one per principal (and per set of enquiries
    and cases it names) until it is close to expiry."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer
        self._minted: OrderedDict[tuple[Any, ...], tuple[str, float]] = OrderedDict()

    def token_for(
        self,
        principal: Principal,
        enquiries: tuple[str, ...] = (),
        cases: tuple[str, ...] = (),
    ) -> str:
        key = (principal.subject, principal.roles, principal.team, enquiries, cases)
        now = time.time()
        known = self._minted.get(key)
        if known is not None and known[1] - now > REUSE_MARGIN_SECONDS:
            self._minted.move_to_end(key)
            return known[0]
        token = self.issuer.mint(
            principal.subject,
            principal.roles,
            team=principal.team,
            enquiries=enquiries,
            cases=cases,
            now=now,
        )
        self._minted[key] = (token, now + self.issuer.lifetime_seconds)
        if len(self._minted) > MINTED_CACHE_SIZE:
            self._minted.popitem(last=False)
        return token
