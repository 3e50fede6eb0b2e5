"""The gateway's settings, from the environment (docs/configuration.md lists each one).

The gateway is not a nameko service, so it does not read a nameko ``config.yaml``; every setting
has a default that suits ``make run`` on one machine, except the ones a deployment must choose
(the session secret, the OpenID Connect client), which ``check`` reports by name.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.identity import CUSTOMER, DEFAULT_AUDIENCE, DEFAULT_ISSUER, ROLES, SYSTEM

LOCAL_SESSION_SECRET = "local-development-only-session-secret"
# WCAG 2.2 AA (1.4.3) for normal-size text: the header's white text on the council's colour.
MINIMUM_HEADER_CONTRAST = 4.5
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class SettingsError(ValueError):
    """A setting is missing or malformed: the message names it (never its value)."""


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` requests per ``seconds`` for one client and one kind of request."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, name: str, text: str) -> RateLimit:
        try:
            count, seconds = (int(part) for part in text.split("/"))
        except ValueError:
            raise SettingsError(f"{name} must look like 10/60 (requests/seconds)") from None
        if count < 1 or seconds < 1:
            raise SettingsError(f"{name}: both numbers must be at least 1")
        return cls(count, seconds)


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of a ``#rrggbb`` colour (0 for black, 1 for white)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG's contrast ratio of two ``#rrggbb`` colours, from 1 (the same) to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class Council:
    """The council the web pages are branded for. The documents service reads the same
    ``COUNCIL_*`` names (its config.yaml) for the packs and letters."""

    name: str = "Example Borough Council"
    phone: str = "0300 555 0100"
    email: str = "housing.options@example.gov.uk"
    # The header band behind white text: a #rrggbb colour with at least 4.5:1 against white.
    colour: str = "#1d4f91"
    # Shown in the header instead of the name (its alt text is the name): a path on this site
    # or an https URL, whose origin the pages' Content-Security-Policy then allows for images.
    logo_url: str = ""

    @property
    def logo_origin(self) -> str:
        """``https://host[:port]`` of a logo served from elsewhere; empty for a path."""
        if not self.logo_url.startswith("https://"):
            return ""
        parts = urllib.parse.urlsplit(self.logo_url)
        return f"https://{parts.netloc}"

    def check(self) -> None:
        if not HEX_COLOUR.match(self.colour):
            raise SettingsError("COUNCIL_COLOUR must be a colour written #rrggbb, e.g. #1d4f91")
        ratio = contrast_ratio(self.colour, "#ffffff")
        if ratio < MINIMUM_HEADER_CONTRAST:
            raise SettingsError(
                f"COUNCIL_COLOUR gives the header's white text a contrast of {ratio:.2f}:1; at"
                f" least {MINIMUM_HEADER_CONTRAST}:1 is needed (WCAG 2.2 AA): choose a darker"
                " colour"
            )
        if self.logo_url and not _logo_url_allowed(self.logo_url):
            raise SettingsError(
                "COUNCIL_LOGO_URL must be a path on this site (/branding/logo.svg) or an https"
                " URL (https://www.example.gov.uk/logo.svg), with no quotes, spaces or commas"
            )


def _logo_url_allowed(url: str) -> bool:
    # It goes into an attribute and (its origin) into the Content-Security-Policy header: only
    # plain URL characters, no user name, no protocol-relative or backslash tricks.
    if re.search(r"[\s\"'<>`,;\\]", url):
        return False
    if url.startswith("/"):
        return not url.startswith("//")
    parts = urllib.parse.urlsplit(url)
    return (
        parts.scheme == "https"
        and bool(parts.hostname)
        and "@" not in parts.netloc
        and bool(re.fullmatch(r"[A-Za-z0-9.-]+(:\d{1,5})?", parts.netloc))
    )


def council_from_env(env: Mapping[str, str]) -> Council:
    """The ``COUNCIL_*`` settings (checked by ``Council.check``, which ``Settings.check`` runs).
    Empty is unset: compose passes ``${COUNCIL_COLOUR:-}`` through as an empty value."""

    def text(name: str, default: str) -> str:
        return env.get(name, "").strip() or default

    defaults = Council()
    return Council(
        name=text("COUNCIL_NAME", defaults.name),
        phone=text("COUNCIL_PHONE", defaults.phone),
        email=text("COUNCIL_EMAIL", defaults.email),
        colour=text("COUNCIL_COLOUR", defaults.colour).lower(),
        logo_url=text("COUNCIL_LOGO_URL", ""),
    )


@dataclass(frozen=True)
class Settings:
    amqp_uri: str = "amqp://guest:guest@localhost:5672/"
    database_url: str = "sqlite:///var/gateway.db"
    public_url: str = "http://127.0.0.1:8000"
    # The internal identity token the services check (docs/security.md).
    signing_key_file: str = "var/keys/identity.key"
    identity_issuer: str = DEFAULT_ISSUER
    identity_audience: str = DEFAULT_AUDIENCE
    identity_token_seconds: int = 300
    # Staff sign-in: an OpenID Connect provider (Microsoft Entra ID, Keycloak, the local one).
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile email"
    oidc_role_claim: str = "roles"
    # Provider role name -> the suite's role; empty: the provider uses the suite's names.
    oidc_role_map: Mapping[str, str] = field(default_factory=dict)
    oidc_team_claim: str = "team"
    # The claim that names a person: "sub" by default; Entra ID's "sub" differs per application,
    # its "oid" does not.
    oidc_subject_claim: str = "sub"
    oidc_default_team: str = ""
    # The audience of access tokens that API clients and mobile apps present as bearer tokens.
    oidc_api_audience: str = "housing-options-api"
    # Sessions and cookies.
    session_secret: str = LOCAL_SESSION_SECRET
    # Keys customers' ids (a hash of their email address): kept when the session secret changes.
    customer_id_key: str = ""
    session_cookie_secure: bool = True
    session_idle_minutes: int = 30
    session_max_hours: int = 8
    # The pages warn this long before the idle limit (docs/web.md, "Session timeout").
    session_warning_seconds: int = 120
    # Customers' sign-in links.
    magic_link_minutes: int = 15
    notify_kind: str = "outbox"
    notify_outbox: str = "var/outbox"
    notify_api_key: str = ""
    notify_template_id: str = ""
    # Protections.
    cors_allow_origins: tuple[str, ...] = ()
    max_body_bytes: int = 256 * 1024
    rate_limit_sign_in: RateLimit = RateLimit(20, 60)
    rate_limit_magic_link: RateLimit = RateLimit(5, 900)
    rate_limit_submission: RateLimit = RateLimit(20, 3600)
    rpc_timeout_seconds: float = 30.0
    # make run only: allows the development session secret and shows the local outbox at
    # /auth/local/outbox. Never on in a deployment.
    local_development: bool = False
    council: Council = Council()

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def customer_key(self) -> str:
        return self.customer_id_key or self.session_secret

    @property
    def callback_url(self) -> str:
        return f"{self.public_url.rstrip('/')}/auth/callback"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def text(name: str, default: str) -> str:
            return env.get(name, default).strip()

        def number(name: str, default: int, least: int = 1) -> int:
            raw = text(name, str(default))
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a whole number") from None
            if value < least:
                raise SettingsError(f"{name} must be at least {least}")
            return value

        def flag(name: str, default: bool) -> bool:
            raw = text(name, "true" if default else "false").lower()
            if raw not in {"true", "false", "1", "0", "yes", "no"}:
                raise SettingsError(f"{name} must be true or false")
            return raw in {"true", "1", "yes"}

        defaults = cls()
        return cls(
            amqp_uri=text("AMQP_URI", defaults.amqp_uri),
            database_url=text("GATEWAY_DATABASE_URL", defaults.database_url),
            public_url=text("PUBLIC_URL", defaults.public_url).rstrip("/"),
            signing_key_file=text("IDENTITY_SIGNING_KEY", defaults.signing_key_file),
            identity_issuer=text("IDENTITY_ISSUER", defaults.identity_issuer),
            identity_audience=text("IDENTITY_AUDIENCE", defaults.identity_audience),
            identity_token_seconds=number("IDENTITY_TOKEN_SECONDS", 300, least=30),
            oidc_issuer=text("OIDC_ISSUER", "").rstrip("/"),
            oidc_client_id=text("OIDC_CLIENT_ID", ""),
            oidc_client_secret=text("OIDC_CLIENT_SECRET", ""),
            oidc_scopes=text("OIDC_SCOPES", defaults.oidc_scopes),
            oidc_role_claim=text("OIDC_ROLE_CLAIM", defaults.oidc_role_claim),
            oidc_role_map=parse_role_map(text("OIDC_ROLE_MAP", "")),
            oidc_team_claim=text("OIDC_TEAM_CLAIM", defaults.oidc_team_claim),
            oidc_subject_claim=text("OIDC_SUBJECT_CLAIM", defaults.oidc_subject_claim),
            oidc_default_team=text("OIDC_DEFAULT_TEAM", ""),
            oidc_api_audience=text("OIDC_API_AUDIENCE", defaults.oidc_api_audience),
            session_secret=text("SESSION_SECRET", LOCAL_SESSION_SECRET),
            customer_id_key=text("CUSTOMER_ID_KEY", ""),
            session_cookie_secure=flag("SESSION_COOKIE_SECURE", True),
            session_idle_minutes=number("SESSION_IDLE_MINUTES", 30),
            session_max_hours=number("SESSION_MAX_HOURS", 8),
            session_warning_seconds=number("SESSION_WARNING_SECONDS", 120, least=10),
            magic_link_minutes=number("MAGIC_LINK_MINUTES", 15),
            notify_kind=text("NOTIFY_KIND", defaults.notify_kind),
            notify_outbox=text("NOTIFY_OUTBOX", defaults.notify_outbox),
            notify_api_key=text("NOTIFY_API_KEY", ""),
            notify_template_id=text("NOTIFY_TEMPLATE_ID", ""),
            cors_allow_origins=tuple(
                origin.strip().rstrip("/")
                for origin in text("CORS_ALLOW_ORIGINS", "").split(",")
                if origin.strip()
            ),
            max_body_bytes=number("MAX_BODY_BYTES", defaults.max_body_bytes, least=1024),
            rate_limit_sign_in=RateLimit.parse(
                "RATE_LIMIT_SIGN_IN", text("RATE_LIMIT_SIGN_IN", "20/60")
            ),
            rate_limit_magic_link=RateLimit.parse(
                "RATE_LIMIT_MAGIC_LINK", text("RATE_LIMIT_MAGIC_LINK", "5/900")
            ),
            rate_limit_submission=RateLimit.parse(
                "RATE_LIMIT_SUBMISSION", text("RATE_LIMIT_SUBMISSION", "20/3600")
            ),
            rpc_timeout_seconds=float(number("RPC_TIMEOUT_SECONDS", 30)),
            local_development=flag("LOCAL_DEVELOPMENT", False),
            council=council_from_env(env),
        )

    def check(self) -> None:
        """Refuse to start with settings that would be unsafe or cannot work."""
        if not Path(self.signing_key_file).is_file():
            raise SettingsError(
                "IDENTITY_SIGNING_KEY: no Ed25519 private key file there"
                " (make run creates var/keys/identity.key)"
            )
        if not self.local_development and self.session_secret == LOCAL_SESSION_SECRET:
            raise SettingsError("SESSION_SECRET must be set (32 random bytes or more)")
        if len(self.session_secret) < 32:
            raise SettingsError("SESSION_SECRET must be at least 32 characters")
        if self.customer_id_key and len(self.customer_id_key) < 32:
            raise SettingsError("CUSTOMER_ID_KEY must be at least 32 characters")
        if bool(self.oidc_issuer) != bool(self.oidc_client_id):
            raise SettingsError("OIDC_ISSUER and OIDC_CLIENT_ID are set together")
        if self.notify_kind not in {"outbox", "notify"}:
            raise SettingsError("NOTIFY_KIND must be 'outbox' or 'notify'")
        if not self.public_url.startswith(("http://", "https://")):
            raise SettingsError("PUBLIC_URL must start with http:// or https://")
        for origin in self.cors_allow_origins:
            if origin == "*" or not origin.startswith(("http://", "https://")):
                raise SettingsError("CORS_ALLOW_ORIGINS lists origins such as https://x.gov.uk")
        if self.session_warning_seconds >= self.session_idle_minutes * 60:
            raise SettingsError(
                "SESSION_WARNING_SECONDS must be shorter than SESSION_IDLE_MINUTES (in seconds)"
            )
        self.council.check()


def parse_role_map(text: str) -> dict[str, str]:
    """``"HousingOptions.Caseworker=caseworker,HousingOptions.Lead=team_leader"``."""
    mapping: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        provider_role, _, role = pair.partition("=")
        grantable = [r for r in ROLES if r not in (SYSTEM, CUSTOMER)]
        if not provider_role.strip() or role.strip() not in grantable:
            raise SettingsError(
                "OIDC_ROLE_MAP pairs are provider-role=suite-role, the suite's staff roles being"
                f" {', '.join(grantable)}"
            )
        mapping[provider_role.strip()] = role.strip()
    return mapping
