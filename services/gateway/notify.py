"""Sending customers their single-use sign-in links.

Two notifiers share one small interface so the sign-in routes do not care which is configured:

* ``LocalOutbox`` (``NOTIFY_KIND=outbox``, the default for ``make run`` and the tests) writes
  each message to a JSON file instead of sending it, so a developer can follow the link from the
  dev page.
* ``GovUkNotify`` (``NOTIFY_KIND=notify``) sends it through GOV.UK Notify's REST API. The email's
  wording lives in a Notify template (``NOTIFY_TEMPLATE_ID``) with two placeholders, ``((link))``
  and ``((expires_minutes))``, so a council can change the wording without a release.

The link is a bearer credential and the address is personal data: neither may reach a log line or
an exception message, which is why ``NotificationFailed`` carries only HTTP statuses and Notify's
error class names, and why ``SignInLink`` leaves both out of its ``repr``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx
import jwt

from services.gateway.settings import SettingsError

log = logging.getLogger(__name__)

NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"
SUBJECT = "Your sign-in link"

# Notify names each error by its exception class ("BadRequestError", "AuthError", ...). Its
# free-text "message" can quote the request (the email address), so only names this shape pass.
_ERROR_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_UUID_LENGTH = 36


@dataclass(frozen=True)
class SignInLink:
    """One message to send. ``email`` and ``url`` stay out of ``repr`` so that logging or a
    traceback that shows the object does not leak the address or the secret token."""

    email: str = field(repr=False)
    url: str = field(repr=False)
    expires_minutes: int

    def __post_init__(self) -> None:
        if self.expires_minutes < 1:
            raise ValueError("a sign-in link must last at least one minute")


class NotificationFailed(Exception):
    """The message was not sent. The text is safe to log: it never holds the address or the link.

    ``status`` is the last HTTP status (``None`` when Notify could not be reached) and ``codes``
    Notify's error class names, for callers that want to tell a clock or key problem apart.
    """

    def __init__(self, message: str, *, status: int | None = None, codes: tuple[str, ...] = ()):
        super().__init__(message)
        self.status = status
        self.codes = codes


@runtime_checkable
class Notifier(Protocol):
    async def send_sign_in_link(self, link: SignInLink) -> None: ...


def _minutes(n: int) -> str:
    return "1 minute" if n == 1 else f"{n} minutes"


def email_body(link: SignInLink) -> str:
    """The outbox's wording; keep the Notify template saying the same thing."""
    return (
        "Use this link to sign in:\n"
        "\n"
        f"{link.url}\n"
        "\n"
        f"The link works once and only for {_minutes(link.expires_minutes)}.\n"
        "\n"
        "If you did not ask to sign in, you can ignore this email. Nobody can sign in without"
        " the link.\n"
    )


class LocalOutbox:
    """Messages as files in a folder, for development and tests; nothing leaves the machine.

    The files hold live sign-in links, so they are readable by their owner only (0600). Each is
    written to a temporary name and then renamed, so a reader never sees half a message. The IO
    is synchronous on purpose: a few hundred bytes to a local disk, in development only.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    async def send_sign_in_link(self, link: SignInLink) -> None:
        now = datetime.now(UTC)
        message = {
            "to": link.email,
            "subject": SUBJECT,
            "body": email_body(link),
            "url": link.url,
            "expires_minutes": link.expires_minutes,
            "sent_at": now.isoformat(),
        }
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The timestamp leads so that names sort oldest first; the random part keeps two
        # messages in the same microsecond (or from two processes) apart.
        name = f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}.json"
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(message, file, indent=2)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def messages(self, email: str | None = None) -> list[dict[str, Any]]:
        """The messages written so far, oldest first; only those to ``email`` when given
        (compared without regard to case, as mail systems treat addresses)."""
        if not self.folder.is_dir():
            return []
        wanted = email.strip().casefold() if email is not None else None
        found: list[dict[str, Any]] = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                message = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.warning("outbox: skipped unreadable file %s", path.name)
                continue
            if not isinstance(message, dict):
                continue
            if wanted is not None and str(message.get("to", "")).strip().casefold() != wanted:
                continue
            found.append(message)
        return found


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def parse_api_key(api_key: str) -> tuple[str, str]:
    """``(service_id, secret)`` from a Notify API key, ``<key name>-<service id>-<secret>``.

    The key name may itself hold hyphens, so the two UUIDs are taken from the end. The error
    names the setting, never the value: the value is a credential.
    """
    service_id = api_key[-2 * _UUID_LENGTH - 1 : -_UUID_LENGTH - 1]
    secret = api_key[-_UUID_LENGTH:]
    well_formed = (
        len(api_key) >= 2 * _UUID_LENGTH + 3
        and api_key[-_UUID_LENGTH - 1] == "-"
        and api_key[-2 * _UUID_LENGTH - 2] == "-"
        and _is_uuid(service_id)
        and _is_uuid(secret)
    )
    if not well_formed:
        raise SettingsError(
            "NOTIFY_API_KEY is malformed: it should be the whole key GOV.UK Notify showed,"
            " <key name>-<service id>-<secret key>"
        )
    return service_id, secret


class GovUkNotify:
    """Sends sign-in links through GOV.UK Notify's ``POST /v2/notifications/email``.

    A 5xx answer or a network failure is retried once, with a fresh token (Notify refuses tokens
    more than 30 seconds old). A retry after a lost answer may send the email twice; both copies
    carry the same link, which still works only once, so that is the safer side to fail on. 4xx
    answers (a wrong key, a trial-mode service, a rate limit) are not retried: repeating them
    would not help.
    """

    def __init__(
        self,
        api_key: str,
        template_id: str,
        *,
        base_url: str = NOTIFY_BASE_URL,
        timeout_seconds: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_delay_seconds: float = 0.5,
    ) -> None:
        self._service_id, self._secret = parse_api_key(api_key)
        if not _is_uuid(template_id.strip().lower()):
            raise SettingsError("NOTIFY_TEMPLATE_ID must be the template's ID (a UUID)")
        if not base_url.startswith(("https://", "http://")):
            raise SettingsError("the GOV.UK Notify base URL must start with https://")
        self.template_id = template_id.strip()
        self.endpoint = f"{base_url.rstrip('/')}/v2/notifications/email"
        self.timeout_seconds = timeout_seconds
        self.retry_delay_seconds = retry_delay_seconds
        self._transport = transport

    def __repr__(self) -> str:
        return f"GovUkNotify(service_id={self._service_id!r}, template_id={self.template_id!r})"

    def _token(self) -> str:
        return jwt.encode(
            {"iss": self._service_id, "iat": int(time.time())}, self._secret, algorithm="HS256"
        )

    async def send_sign_in_link(self, link: SignInLink) -> None:
        payload = {
            "email_address": link.email,
            "template_id": self.template_id,
            "personalisation": {"link": link.url, "expires_minutes": str(link.expires_minutes)},
        }
        # A client per message: sign-in emails are few, and a client bound to no event loop
        # suits both uvicorn's loop and the tests' asyncio.run.
        client = httpx.AsyncClient(transport=self._transport, timeout=self.timeout_seconds)
        try:
            for attempt in (1, 2):
                failure, retryable = await self._attempt(client, payload)
                if failure is None:
                    return
                if not retryable or attempt == 2:
                    raise failure
                log.warning("%s; trying once more", failure)
                await asyncio.sleep(self.retry_delay_seconds)
        finally:
            # A transport handed in belongs to the caller (the tests); closing the client
            # would close it too.
            if self._transport is None:
                await client.aclose()

    async def _attempt(
        self, client: httpx.AsyncClient, payload: dict[str, Any]
    ) -> tuple[NotificationFailed | None, bool]:
        headers = {
            "Authorization": f"Bearer {self._token()}",
            "Accept": "application/json",
            "User-Agent": "housing-options-gateway",
        }
        try:
            response = await client.post(self.endpoint, json=payload, headers=headers)
        except httpx.TransportError as exc:
            # The exception's own text is not used: only its class says what went wrong.
            return NotificationFailed(
                f"GOV.UK Notify could not be reached ({type(exc).__name__})"
            ), True
        except httpx.HTTPError as exc:
            return NotificationFailed(f"GOV.UK Notify request failed ({type(exc).__name__})"), False
        if response.is_success:
            return None, False
        codes = _error_codes(response)
        detail = f" ({', '.join(codes)})" if codes else ""
        failure = NotificationFailed(
            f"GOV.UK Notify refused the sign-in email: HTTP {response.status_code}{detail}",
            status=response.status_code,
            codes=codes,
        )
        return failure, response.status_code >= 500


def _error_codes(response: httpx.Response) -> tuple[str, ...]:
    """Notify's error class names from ``{"status_code": ..., "errors": [{"error": ...}]}``."""
    try:
        body = response.json()
    except ValueError:
        return ()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ()
    codes: list[str] = []
    for item in errors:
        code = item.get("error") if isinstance(item, dict) else None
        if isinstance(code, str) and _ERROR_CODE.fullmatch(code) and code not in codes:
            codes.append(code)
    return tuple(codes[:5])


def notifier_from_settings(
    kind: str,
    *,
    outbox_folder: str | Path,
    notify_api_key: str = "",
    notify_template_id: str = "",
) -> Notifier:
    """The notifier ``NOTIFY_KIND`` asks for; errors name the setting to fix, never a value."""
    if kind == "outbox":
        return LocalOutbox(outbox_folder)
    if kind != "notify":
        raise SettingsError("NOTIFY_KIND must be 'outbox' or 'notify'")
    missing = [
        name
        for name, value in (
            ("NOTIFY_API_KEY", notify_api_key),
            ("NOTIFY_TEMPLATE_ID", notify_template_id),
        )
        if not value.strip()
    ]
    if missing:
        raise SettingsError(f"{' and '.join(missing)} must be set when NOTIFY_KIND is 'notify'")
    return GovUkNotify(notify_api_key.strip(), notify_template_id.strip())
