"""The sign-in link notifiers: what reaches GOV.UK Notify, what the local outbox writes, and that
neither the address nor the link ever appears in an error."""

from __future__ import annotations

import asyncio
import json
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import pytest

from services.gateway.notify import (
    GovUkNotify,
    LocalOutbox,
    NotificationFailed,
    Notifier,
    SignInLink,
    notifier_from_settings,
)

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"housing-options-live-{SERVICE_ID}-{SECRET}"  # a key name with hyphens in it
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
EMAIL = "resident@example.org"
URL = "https://housing.example.gov.uk/auth/link/s3cr3t-t0ken-value"
LINK = SignInLink(email=EMAIL, url=URL, expires_minutes=15)


def notify_with(handler: Callable[[httpx.Request], httpx.Response], **kw) -> GovUkNotify:
    return GovUkNotify(
        API_KEY,
        TEMPLATE_ID,
        transport=httpx.MockTransport(handler),
        retry_delay_seconds=0,
        **kw,
    )


def created(_: httpx.Request) -> httpx.Response:
    return httpx.Response(201, json={"id": "740e5834-3a29-46b4-9a6f-16142fde533a"})


def notify_error(status: int, error: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, json={"status_code": status, "errors": [{"error": error, "message": message}]}
    )


def assert_no_personal_data(text: str) -> None:
    for secret in (EMAIL, URL, "s3cr3t", SECRET, API_KEY):
        assert secret not in text


# --- GOV.UK Notify ---------------------------------------------------------------------------


def test_notify_sends_the_documented_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return created(request)

    asyncio.run(notify_with(handler).send_sign_in_link(LINK))

    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == "https://api.notifications.service.gov.uk/v2/notifications/email"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "email_address": EMAIL,
        "template_id": TEMPLATE_ID,
        "personalisation": {"link": URL, "expires_minutes": "15"},
    }
    scheme, _, token = request.headers["authorization"].partition(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID
    assert isinstance(claims["iat"], int)
    assert abs(claims["iat"] - time.time()) <= 5


def test_notify_base_url_may_end_in_a_slash() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return created(request)

    notifier = notify_with(handler, base_url="https://notify.test/")
    asyncio.run(notifier.send_sign_in_link(LINK))
    assert seen == ["https://notify.test/v2/notifications/email"]


def test_notify_retries_once_after_a_server_error() -> None:
    answers = iter([notify_error(500, "Exception", "Internal server error"), None])
    tokens: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tokens.append(request.headers["authorization"])
        return next(answers) or created(request)

    asyncio.run(notify_with(handler).send_sign_in_link(LINK))
    assert len(tokens) == 2


def test_notify_retries_once_after_a_network_failure() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError(f"cannot reach {request.url}", request=request)
        return created(request)

    asyncio.run(notify_with(handler).send_sign_in_link(LINK))
    assert calls == 2


def test_notify_gives_up_after_the_second_server_error() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503, text="<html>Service unavailable</html>")

    with pytest.raises(NotificationFailed) as caught:
        asyncio.run(notify_with(handler).send_sign_in_link(LINK))
    assert calls == 2
    assert caught.value.status == 503
    assert "503" in str(caught.value)


def test_notify_gives_up_after_the_second_network_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out sending to {EMAIL}", request=request)

    with pytest.raises(NotificationFailed) as caught:
        asyncio.run(notify_with(handler).send_sign_in_link(LINK))
    assert caught.value.status is None
    assert "ReadTimeout" in str(caught.value)
    assert_no_personal_data(str(caught.value))
    assert caught.value.__cause__ is None


def test_notify_refusal_is_not_retried_and_names_no_one() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        # Notify's free-text message can quote the request; it must not come through.
        return notify_error(400, "ValidationError", f"{EMAIL} is not allowed; link {URL}")

    with pytest.raises(NotificationFailed) as caught:
        asyncio.run(notify_with(handler).send_sign_in_link(LINK))
    assert calls == 1
    message = str(caught.value)
    assert "400" in message and "ValidationError" in message
    assert caught.value.status == 400
    assert caught.value.codes == ("ValidationError",)
    assert_no_personal_data(message)
    assert "is not allowed" not in message


def test_notify_error_codes_of_an_odd_shape_are_dropped() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return notify_error(403, f"AuthError {EMAIL}", "Invalid token")

    with pytest.raises(NotificationFailed) as caught:
        asyncio.run(notify_with(handler).send_sign_in_link(LINK))
    assert caught.value.codes == ()
    assert "403" in str(caught.value)
    assert_no_personal_data(str(caught.value))


def test_sign_in_link_repr_hides_the_address_and_the_link() -> None:
    assert_no_personal_data(repr(LINK))
    assert_no_personal_data(repr(notify_with(created)))


@pytest.mark.parametrize(
    "key",
    [
        "",
        "just-a-name",
        SECRET,
        f"{SERVICE_ID}-{SECRET}",  # no key name
        f"name-{SERVICE_ID}{SECRET}",  # hyphen missing between the two
        f"name-{SERVICE_ID}-{SECRET[:-1]}x",  # not a UUID
        f"name-{SERVICE_ID}-{SECRET} ",
        f"name_{SERVICE_ID}-{SECRET}",
    ],
)
def test_a_malformed_api_key_is_named_not_echoed(key: str) -> None:
    with pytest.raises(ValueError) as caught:
        GovUkNotify(key, TEMPLATE_ID)
    assert "NOTIFY_API_KEY" in str(caught.value)
    if key.strip():
        assert key.strip() not in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_template_id_must_be_a_uuid() -> None:
    with pytest.raises(ValueError, match="NOTIFY_TEMPLATE_ID"):
        GovUkNotify(API_KEY, "sign-in-template")


# --- the local outbox ------------------------------------------------------------------------


def test_outbox_writes_one_private_file_per_message(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "outbox"  # created on first use
    outbox = LocalOutbox(folder)
    asyncio.run(outbox.send_sign_in_link(LINK))

    [path] = list(folder.iterdir())  # no temporary file is left behind
    assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]+\.json", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    message = json.loads(path.read_text())
    assert set(message) == {"to", "subject", "body", "url", "expires_minutes", "sent_at"}
    assert message["to"] == EMAIL
    assert message["url"] == URL
    assert message["expires_minutes"] == 15
    assert URL in message["body"]
    assert "once" in message["body"] and "15 minutes" in message["body"]
    assert "ignore" in message["body"]
    assert message["subject"]
    assert message["sent_at"].endswith("+00:00")


def test_outbox_reads_back_oldest_first_and_filters_by_address(tmp_path: Path) -> None:
    outbox = LocalOutbox(tmp_path)
    assert outbox.messages() == []

    async def send_three() -> None:
        await outbox.send_sign_in_link(SignInLink("a@example.org", "https://x/1", 15))
        await outbox.send_sign_in_link(SignInLink("b@example.org", "https://x/2", 1))
        await outbox.send_sign_in_link(SignInLink("a@example.org", "https://x/3", 15))

    asyncio.run(send_three())
    assert [m["url"] for m in outbox.messages()] == ["https://x/1", "https://x/2", "https://x/3"]
    assert [m["url"] for m in outbox.messages("a@example.org")] == ["https://x/1", "https://x/3"]
    assert [m["url"] for m in outbox.messages("B@Example.org")] == ["https://x/2"]
    assert outbox.messages("nobody@example.org") == []
    assert "1 minute." in outbox.messages("b@example.org")[0]["body"]


def test_outbox_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert LocalOutbox(tmp_path / "absent").messages() == []


# --- choosing one ----------------------------------------------------------------------------


def test_notifier_from_settings_builds_either_kind(tmp_path: Path) -> None:
    outbox = notifier_from_settings("outbox", outbox_folder=tmp_path)
    assert isinstance(outbox, LocalOutbox) and isinstance(outbox, Notifier)
    notify = notifier_from_settings(
        "notify",
        outbox_folder=tmp_path,
        notify_api_key=API_KEY,
        notify_template_id=TEMPLATE_ID,
    )
    assert isinstance(notify, GovUkNotify) and isinstance(notify, Notifier)


@pytest.mark.parametrize("kind", ["", "smtp", "Notify "])
def test_notifier_from_settings_rejects_an_unknown_kind(kind: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError) as caught:
        notifier_from_settings(kind, outbox_folder=tmp_path)
    assert str(caught.value) == "NOTIFY_KIND must be 'outbox' or 'notify'"


@pytest.mark.parametrize(
    ("key", "template", "named", "not_named"),
    [
        ("", TEMPLATE_ID, "NOTIFY_API_KEY", "NOTIFY_TEMPLATE_ID"),
        (API_KEY, " ", "NOTIFY_TEMPLATE_ID", "NOTIFY_API_KEY"),
    ],
)
def test_notifier_from_settings_names_the_missing_setting(
    key: str, template: str, named: str, not_named: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError) as caught:
        notifier_from_settings(
            "notify", outbox_folder=tmp_path, notify_api_key=key, notify_template_id=template
        )
    assert named in str(caught.value)
    assert not_named not in str(caught.value)
    assert_no_personal_data(str(caught.value))


def test_notifier_from_settings_names_both_when_both_are_missing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID"):
        notifier_from_settings("notify", outbox_folder=tmp_path)
