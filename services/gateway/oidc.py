"""Staff sign-in and API clients through an OpenID Connect provider, configured by its issuer URL
(Microsoft Entra ID, Keycloak, Okta, or the local development provider in local_idp.py).

- People sign in with the authorization code flow and PKCE (authlib's client); the ID token is
  checked here against the provider's published keys (JWKS), its issuer, audience and nonce.
- API clients and mobile apps send an access token as ``Authorization: Bearer``; it is checked
  against the same keys, the issuer and ``OIDC_API_AUDIENCE``.

Roles come from the provider's role claim (``OIDC_ROLE_CLAIM``, ``roles`` as in Entra ID's app
roles), mapped to the suite's roles by ``OIDC_ROLE_MAP``; the team from ``OIDC_TEAM_CLAIM``.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from typing import Any

import httpx
import jwt

# authlib's note that a newer httpx package exists: its module adds an "always" filter when first
# imported, so ours goes after it.
from authlib.deprecate import AuthlibDeprecationWarning  # noqa: E402

from services.gateway.principal import Principal
from services.gateway.settings import Settings
from shared.identity import ADMIN, AUDITOR, CASEWORKER, PARTNER, TEAM_LEADER

warnings.simplefilter("ignore", AuthlibDeprecationWarning)
from authlib.integrations.httpx_client import AsyncOAuth2Client  # noqa: E402

# Signature algorithms accepted from a provider: asymmetric only (no shared secrets, no "none").
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
# What a person or client can be given by the provider; customers sign in by link, and the
# services' own role is never given from outside.
GRANTABLE_ROLES = frozenset({CASEWORKER, TEAM_LEADER, ADMIN, AUDITOR, PARTNER})
METADATA_SECONDS = 3600
KEYS_SECONDS = 600
# An unknown key id makes the keys be fetched again (the provider rotated), at most this often.
REFETCH_SECONDS = 30
LEEWAY_SECONDS = 60


class TokenRejected(Exception):  # noqa: N818 - the caller answers 401
    """The token is not one this gateway accepts; the message says why, never the token."""


class ProviderUnavailable(Exception):  # noqa: N818 - the caller answers 503
    pass


class OidcProvider:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self._http = httpx.AsyncClient(timeout=10.0, transport=transport)
        self._transport = transport
        self._metadata: tuple[dict[str, Any], float] | None = None
        self._keys: tuple[dict[str, jwt.PyJWK], float] | None = None
        self._last_fetch = 0.0
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        await self._http.aclose()

    async def metadata(self) -> dict[str, Any]:
        if self._metadata and time.monotonic() - self._metadata[1] < METADATA_SECONDS:
            return self._metadata[0]
        url = f"{self.settings.oidc_issuer}/.well-known/openid-configuration"
        document = await self._get_json(url)
        if document.get("issuer", "").rstrip("/") != self.settings.oidc_issuer:
            raise ProviderUnavailable("the provider's discovery document names another issuer")
        self._metadata = (document, time.monotonic())
        return document

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderUnavailable(f"{type(error).__name__} from the provider") from None

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        async with self._lock:
            fresh = self._keys and time.monotonic() - self._keys[1] < KEYS_SECONDS
            if not fresh or (
                kid not in self._keys[0] and time.monotonic() - self._last_fetch > REFETCH_SECONDS
            ):
                jwks = await self._get_json((await self.metadata())["jwks_uri"])
                self._last_fetch = time.monotonic()
                keys = {}
                for entry in jwks.get("keys", []):
                    try:
                        keys[entry.get("kid")] = jwt.PyJWK(entry)
                    except jwt.PyJWTError:
                        continue  # a key of a kind we do not use
                self._keys = (keys, time.monotonic())
        key = self._keys[0].get(kid) if self._keys else None
        if key is None:
            raise TokenRejected("the token is not signed by a key the provider publishes")
        return key

    async def verify(self, token: str, audience: str, nonce: str | None = None) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejected("the token is malformed") from None
        if header.get("alg") not in ALGORITHMS:
            raise TokenRejected("the token's signature algorithm is not accepted")
        key = await self._key(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=audience,
                issuer=(await self.metadata())["issuer"],
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejected("the token has expired") from None
        except jwt.PyJWTError as error:
            raise TokenRejected(f"the token is not valid ({type(error).__name__})") from None
        if nonce is not None and claims.get("nonce") != nonce:
            raise TokenRejected("the sign-in response does not match the request (nonce)")
        return claims

    def client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret or None,
            scope=self.settings.oidc_scopes,
            redirect_uri=self.settings.callback_url,
            code_challenge_method="S256",
            transport=self._transport,
        )

    def roles_of(self, claims: dict[str, Any]) -> frozenset[str]:
        given = claims.get(self.settings.oidc_role_claim) or []
        if isinstance(given, str):
            given = given.split()
        mapping = self.settings.oidc_role_map
        roles = {mapping.get(str(r), str(r) if not mapping else "") for r in given}
        return frozenset(roles & GRANTABLE_ROLES)

    def person(self, claims: dict[str, Any]) -> Principal | None:
        """The staff member an ID token (or a user's access token) names; None when the
        provider gives them no role in this suite."""
        roles = self.roles_of(claims)
        if not roles:
            return None
        team = claims.get(self.settings.oidc_team_claim) or self.settings.oidc_default_team
        subject = claims.get(self.settings.oidc_subject_claim) or claims["sub"]
        return Principal(
            kind="staff",
            subject=f"officer:{subject}",
            roles=roles,
            team=str(team) if team else None,
        )

    async def bearer(self, token: str) -> Principal:
        claims = await self.verify(token, self.settings.oidc_api_audience)
        # A client acting for itself (client credentials) has no user: it is named by its id.
        # Entra ID marks such a token idtyp=app (an optional claim) and names the client in azp
        # or appid; others make the client its own subject.
        client_id = claims.get("client_id") or claims.get("azp") or claims.get("appid")
        is_client = claims.get("idtyp") == "app" or (
            client_id is not None and claims.get("sub") == client_id
        )
        principal = self.person(claims)
        if principal is None:
            raise TokenRejected("the token gives no role in this service")
        if is_client:
            client = client_id or claims["sub"]
            return Principal(
                kind="client",
                subject=f"client:{client}",
                roles=principal.roles,
                team=principal.team,
            )
        return principal
