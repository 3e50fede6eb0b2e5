"""The council's brand on the pages (services/gateway/settings.py ``Council``, rendering.py,
base.html): COUNCIL_* from the environment, the colour checked as #rrggbb with at least 4.5:1
against the header's white text (WCAG's contrast ratio), the logo as a path or an https URL whose
origin alone the page's Content-Security-Policy then allows; and what a rendered page carries
for the brand, the session timeout warning and an ended session."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest

from services.gateway.principal import Principal
from services.gateway.repository import EndedSession, StoredSession
from services.gateway.settings import (
    Council,
    Settings,
    SettingsError,
    contrast_ratio,
    council_from_env,
)
from services.gateway.web.rendering import page
from shared.clock import utcnow


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("#ffffff", "#000000", 21.0),
        ("#000000", "#ffffff", 21.0),  # either order
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
        ("#777777", "#ffffff", 4.48),
        ("#1d4f91", "#ffffff", 8.14),
        ("#1D70B8", "#FFFFFF", 5.17),  # GOV.UK blue; upper case is the same colour
    ],
)
def test_the_contrast_ratio_is_wcags(first, second, expected):
    assert contrast_ratio(first, second) == pytest.approx(expected, abs=0.01)


def test_council_settings_come_from_the_same_names_the_documents_service_reads():
    council = council_from_env(
        {
            "COUNCIL_NAME": " Cyngor Sir Enghraifft ",
            "COUNCIL_PHONE": "01234 567890",
            "COUNCIL_EMAIL": "tai@example.gov.uk",
            "COUNCIL_COLOUR": "#A00000",
            "COUNCIL_LOGO_URL": "/branding/logo.svg",
        }
    )
    assert council == Council(
        "Cyngor Sir Enghraifft",
        "01234 567890",
        "tai@example.gov.uk",
        "#a00000",
        "/branding/logo.svg",
    )
    assert council_from_env({}) == Council() == council_from_env({"COUNCIL_COLOUR": " "})
    assert Settings.from_env({"COUNCIL_NAME": "Testshire"}).council.name == "Testshire"
    Council().check()  # the default passes


@pytest.mark.parametrize("colour", ["#ffcc00", "#1d70b8cc", "1d4f91", "navy", "#12345", ""])
def test_a_colour_that_is_not_rrggbb_or_too_light_stops_the_start(colour):
    with pytest.raises(SettingsError) as refused:
        Council(colour=colour).check()
    assert str(refused.value).startswith("COUNCIL_COLOUR")


def test_the_contrast_error_names_the_setting_the_ratio_and_the_minimum():
    with pytest.raises(SettingsError) as refused:
        Council(colour="#ffcc00").check()
    message = str(refused.value)
    assert "COUNCIL_COLOUR" in message and "1.51:1" in message and "4.5:1" in message
    assert "#ffcc00" not in message  # the setting is named, never its value


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("/branding/logo.svg", ""),
        ("https://www.example.gov.uk/images/logo.png", "https://www.example.gov.uk"),
        ("https://cdn.example.gov.uk:8443/logo.svg", "https://cdn.example.gov.uk:8443"),
    ],
)
def test_a_logo_is_a_path_here_or_an_https_url(url, origin):
    council = Council(logo_url=url)
    council.check()
    assert council.logo_origin == origin


@pytest.mark.parametrize(
    "url",
    [
        "http://www.example.gov.uk/logo.png",
        "//evil.example/logo.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "logo.png",
        "https://user@www.example.gov.uk/logo.png",
        'https://www.example.gov.uk/logo.png" onerror="x',
        "https://www.example.gov.uk/a b.png",
        "https://www.example.gov.uk; script-src *",
        "/\\evil.example/logo.png",
    ],
)
def test_anything_else_as_a_logo_stops_the_start(url):
    with pytest.raises(SettingsError) as refused:
        Council(logo_url=url).check()
    assert str(refused.value).startswith("COUNCIL_LOGO_URL")


def test_settings_check_runs_the_councils_check_and_the_warnings(tmp_path):
    key = tmp_path / "identity.key"
    key.write_text("not read here")
    good = Settings(signing_key_file=str(key), local_development=True)
    good.check()
    with pytest.raises(SettingsError, match="^COUNCIL_COLOUR"):
        replace(good, council=Council(colour="#aaaaaa")).check()
    with pytest.raises(SettingsError, match="^SESSION_WARNING_SECONDS"):
        replace(good, session_idle_minutes=2, session_warning_seconds=120).check()
    replace(good, session_idle_minutes=3, session_warning_seconds=120).check()
    with pytest.raises(SettingsError, match="^SESSION_WARNING_SECONDS must be at least 10"):
        Settings.from_env({"SESSION_WARNING_SECONDS": "5"})
    assert Settings.from_env({"SESSION_WARNING_SECONDS": "60"}).session_warning_seconds == 60


# --- a rendered page --------------------------------------------------------------------------


def render(template: str, settings: Settings, state: dict, path: str = "/", **context) -> tuple:
    app = SimpleNamespace(state=SimpleNamespace(gateway=SimpleNamespace(settings=settings)))
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [],
        "scheme": "https",
        "app": app,
        "state": state,
    }
    response = page(template, **context)
    response.render_for(scope)
    return response.body.decode(), response.headers


def test_the_header_is_the_councils_colour_and_logo_allowed_by_the_policy():
    council = Council(name="Redshire Council", colour="#8b0000", logo_url="https://x.gov.uk/l.svg")
    html, headers = render("error.html", Settings(council=council), {}, title="T", detail="d")
    policy = headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "img-src 'self' data: https://x.gov.uk;" in policy
    assert f"style-src 'self' 'nonce-{nonce}';" in policy and "unsafe-inline" not in policy
    assert f'<style nonce="{nonce}">:root {{ --council-colour: #8b0000; }}</style>' in html
    assert '<meta name="theme-color" content="#8b0000">' in html
    assert (
        '<img class="council-header__logo" src="https://x.gov.uk/l.svg" alt="Redshire Council">'
        in html
    )
    assert "govuk-header__logotype" not in html and "crown" not in html.lower()
    # Without a logo: the name, and images from this site only.
    html, headers = render("error.html", Settings(), {}, title="T", detail="d")
    assert "img-src 'self' data:;" in headers["content-security-policy"]
    assert "Example Borough Council" in html and "council-header__logo" not in html


def test_a_colour_that_escaped_the_check_never_reaches_the_style():
    council = Council(colour="red;}body{display:none")
    html, _ = render("error.html", Settings(council=council), {}, title="T", detail="d")
    assert "--council-colour: #1d4f91;" in html and "display:none" not in html


def test_someone_signed_in_gets_the_warning_and_someone_signed_out_is_told_why():
    now = utcnow()
    customer = Principal.from_dict(
        {"kind": "customer", "subject": "customer:x", "roles": ["customer"]}, "sid", "csrf-1"
    )
    stored = StoredSession(
        {}, "csrf-1", now + timedelta(seconds=100), now, now + timedelta(hours=8)
    )
    html, _ = render(
        "error.html", Settings(), {"principal": customer, "session": stored}, title="T"
    )
    assert '<script type="module" src="/static/session-timeout.js"></script>' in html
    assert re.search(r'data-seconds-left="(99|100)"', html)
    assert 'data-extendable="true"' in html and 'data-csrf-token="csrf-1"' in html
    assert '"minutes": ["1 minute", "2 minutes"]' in html and '"59 seconds"]' in html
    assert 'aria-labelledby="session-timeout-heading"' in html and " hidden\n" in html
    # A bearer token (no session): no warning.
    client = Principal.from_dict({"kind": "staff", "subject": "officer:x", "roles": ["caseworker"]})
    html, _ = render("error.html", Settings(), {"principal": client, "session": stored}, title="T")
    assert "session-timeout" not in html

    ended = {"principal": None, "session_ended": EndedSession("idle", "staff")}
    html, headers = render("error.html", Settings(), ended, path="/work/cases", title="T")
    text = " ".join(html.split())
    assert "You were signed out because you were inactive for 30 minutes." in text
    assert 'href="/auth/login?return_to=/work/cases"' in html
    assert "session-timeout.js" not in html
    assert any(c.startswith('ho_session=""') for c in headers.getlist("set-cookie"))
    longest = {"principal": None, "session_ended": EndedSession("longest", "customer")}
    html, _ = render("email.html", Settings(), longest, path="/apply", title="T", errors={})
    text = " ".join(html.split())
    assert "because you had been signed in for 8 hours, the longest allowed." in text
    assert "We have saved your answers" in text and "Get a new sign-in link" not in text
