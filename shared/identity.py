"""Who is calling: short-lived signed identity tokens (EdDSA, Ed25519), minted by the front door
(the gateway, or a tool run by an operator) and checked by every service on every RPC.

A token names the caller (``sub``), the actor recorded in the audit trail (``act``), their roles,
their team, and for a customer the enquiries and cases they may see; it has an issuer, an
audience, an expiry a few minutes away and a unique id (``jti``). It travels as nameko context
data (``CONTEXT_KEY``), an AMQP header that nameko passes on through nested RPC calls.

Keys rotate without downtime: each key is known by its thumbprint (``kid`` in the token's
header); a service accepts every public key its configuration lists, so the new key is added to
the services, then the issuer switches to it, then the old one is removed.

Pure Python (PyJWT and cryptography): no nameko here.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# The context data key (nameko sends it as the AMQP header ``nameko.identity``).
CONTEXT_KEY = "identity"
ALGORITHM = "EdDSA"
DEFAULT_ISSUER = "housing-options"
DEFAULT_AUDIENCE = "housing-options-services"
DEFAULT_LIFETIME_SECONDS = 300
# Clock skew tolerated between the issuer and a service.
LEEWAY_SECONDS = 30
# No token is accepted for longer than this, whatever it says: a leaked token expires.
MAX_LIFETIME_SECONDS = 3600
# Tokens whose signature a service has checked, kept (with their expiry) per process.
VERIFIED_CACHE_SIZE = 4096

CUSTOMER, CASEWORKER, TEAM_LEADER = "customer", "caseworker", "team_leader"
ADMIN, AUDITOR, PARTNER, SYSTEM = "admin", "auditor", "partner", "system"
ROLES = (CUSTOMER, CASEWORKER, TEAM_LEADER, ADMIN, AUDITOR, PARTNER, SYSTEM)
# The officers' roles: they see cases (of their team) and work on them.
OFFICERS = frozenset({CASEWORKER, TEAM_LEADER})


class Unauthenticated(Exception):  # noqa: N818 - turned into Forbidden by the caller
    """The token is missing, malformed, expired, not yet valid, or not signed by a known key.
    The message says which, never the token."""


@dataclass(frozen=True)
class Identity:
    subject: str
    actor: str
    roles: frozenset[str]
    team: str | None = None
    enquiries: frozenset[str] = field(default_factory=frozenset)
    cases: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None

    @classmethod
    def system(cls, service: str) -> Identity:
        """A service acting on its own (an event handler, a timer)."""
        name = f"system:{service}"
        return cls(subject=name, actor=name, roles=frozenset({SYSTEM}))

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_customer_only(self) -> bool:
        return self.roles == frozenset({CUSTOMER})

    @property
    def team_scope(self) -> str | None:
        """The team an officer's view is limited to ("" for an officer without one: nothing);
        None when it is not limited: the auditor and admin, and anyone who is not an officer
        (their rules say which calls they may make at all)."""
        if self.has(AUDITOR, ADMIN) or not self.has(CASEWORKER, TEAM_LEADER):
            return None
        return self.team or ""

    def may_see_enquiry(self, enquiry_id: str) -> bool:
        return enquiry_id in self.enquiries

    def may_see_case(self, case_id: str, enquiry_id: str | None = None) -> bool:
        return case_id in self.cases or (enquiry_id is not None and enquiry_id in self.enquiries)


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's thumbprint: how a token names the key that signed it."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).decode().rstrip("=")


def new_key_pair() -> tuple[bytes, bytes]:
    """(private PEM, public PEM) of a new Ed25519 key."""
    private = Ed25519PrivateKey.generate()
    return (
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


class TokenIssuer:
    """Mints tokens with one private key (the gateway holds it; services hold only public
    keys)."""

    def __init__(
        self,
        private_key_pem: bytes,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
    ) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the identity signing key must be an Ed25519 private key")
        self._key = key
        self.key_id = key_id(key.public_key())
        self.issuer, self.audience = issuer, audience
        self.lifetime_seconds = min(lifetime_seconds, MAX_LIFETIME_SECONDS)

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> TokenIssuer:
        return cls(Path(path).read_bytes(), **kwargs)

    def mint(
        self,
        subject: str,
        roles: Iterable[str],
        *,
        actor: str | None = None,
        team: str | None = None,
        enquiries: Iterable[str] = (),
        cases: Iterable[str] = (),
        lifetime_seconds: int | None = None,
        now: float | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time())
        lifetime = min(lifetime_seconds or self.lifetime_seconds, MAX_LIFETIME_SECONDS)
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "act": actor or subject,
            "roles": sorted(set(roles)),
            "team": team,
            "enquiries": sorted(set(enquiries)),
            "cases": sorted(set(cases)),
            "iat": issued,
            "nbf": issued,
            "exp": issued + lifetime,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.key_id})


class TokenVerifier:
    """Checks a token against the public keys the service trusts."""

    def __init__(
        self,
        public_keys_pem: Iterable[bytes],
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        leeway_seconds: int = LEEWAY_SECONDS,
    ) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        for pem in public_keys_pem:
            key = serialization.load_pem_public_key(pem)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("identity public keys must be Ed25519 keys")
            self._keys[key_id(key)] = key
        if not self._keys:
            raise ValueError("no identity public key configured (IDENTITY_PUBLIC_KEYS)")
        self.issuer, self.audience, self.leeway = issuer, audience, leeway_seconds
        # A front end presents the same token for each call of a user's few minutes: its
        # signature is checked once, and again only once it has left this bounded cache. The
        # key is the whole token, signature included, so a changed byte is a new token; its
        # expiry is checked on every call.
        self._verified: OrderedDict[str, tuple[Identity, int]] = OrderedDict()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TokenVerifier:
        """``IDENTITY_PUBLIC_KEYS``: comma-separated paths of PEM public keys (several while a
        key is rotated); ``IDENTITY_ISSUER`` and ``IDENTITY_AUDIENCE`` as the issuer sets
        them."""
        paths = [p.strip() for p in str(config.get("IDENTITY_PUBLIC_KEYS") or "").split(",")]
        missing = [p for p in paths if p and not Path(p).is_file()]
        if missing:
            raise ValueError(f"identity public key file not found: {', '.join(missing)}")
        return cls(
            [Path(p).read_bytes() for p in paths if p],
            issuer=str(config.get("IDENTITY_ISSUER") or DEFAULT_ISSUER),
            audience=str(config.get("IDENTITY_AUDIENCE") or DEFAULT_AUDIENCE),
        )

    def verify(self, token: object) -> Identity:
        if not token:
            raise Unauthenticated("no identity token")
        if not isinstance(token, str) or len(token) > 8192:
            raise Unauthenticated("the identity token is malformed")
        known = self._verified.get(token)
        if known is not None:
            identity, expires = known
            if time.time() < expires + self.leeway:
                self._verified.move_to_end(token)
                return identity
            del self._verified[token]
            raise Unauthenticated("the identity token has expired")
        identity, expires = self._verify_signed(token)
        self._verified[token] = (identity, expires)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return identity

    def _verify_signed(self, token: str) -> tuple[Identity, int]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the identity token is malformed") from None
        key = self._keys.get(str(header.get("kid")))
        if key is None or header.get("alg") != ALGORITHM:
            raise Unauthenticated("the identity token is not signed by a trusted key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the identity token has expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("the identity token is not valid yet") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("the identity token is not signed by a trusted key") from None
        except jwt.PyJWTError as error:
            reason = f"the identity token is invalid: {type(error).__name__}"
            raise Unauthenticated(reason) from None
        if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
            raise Unauthenticated("the identity token lives longer than allowed")
        roles = claims.get("roles")
        if not isinstance(roles, list) or not set(roles) <= set(ROLES) or SYSTEM in roles:
            # A service's own identity is never presented by a caller.
            raise Unauthenticated("the identity token carries roles that are not allowed")
        identity = Identity(
            subject=str(claims["sub"]),
            actor=str(claims.get("act") or claims["sub"]),
            roles=frozenset(roles),
            team=claims.get("team"),
            enquiries=frozenset(map(str, claims.get("enquiries") or ())),
            cases=frozenset(map(str, claims.get("cases") or ())),
            token_id=str(claims["jti"]),
        )
        return identity, int(claims["exp"])
