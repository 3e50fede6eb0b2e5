"""How a page is rendered: one jinja2 environment for our templates and GOV.UK Frontend's
macros, the council's name, colour and logo, the page's language (English or Welsh: i18n.py),
the session timeout warning for someone signed in (or why they were signed out), and a fresh
nonce per page for the one inline script GOV.UK Frontend's template has and the council's
colour, named in that page's Content-Security-Policy."""

from __future__ import annotations

import math
import os
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from services.gateway.context import SESSION_COOKIE
from services.gateway.settings import HEX_COLOUR, Council, council_from_env
from services.gateway.web import i18n
from shared.clock import london_date, parse_iso, utcnow

HERE = Path(__file__).resolve().parent
ASSET_PATH = "/static/govuk/assets"

environment = Environment(
    loader=ChoiceLoader(
        [
            FileSystemLoader(HERE / "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    ),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
# One environment for every request: the words are looked up in the language of the page being
# rendered (i18n.using), not fixed when the environment is built.
environment.install_gettext_callables(
    gettext=lambda message: i18n.translations(i18n.current()).gettext(message),
    ngettext=lambda singular, plural, n: i18n.translations(i18n.current()).ngettext(
        singular, plural, n
    ),
    newstyle=True,
)


def in_english(text: Any) -> Markup:
    """Words from data that exist only in English (the question template's labels), marked as
    English on a page in another language so that screen readers pronounce them as English."""
    if text is None or text == "":
        return Markup("")
    if i18n.current() == "en":
        return escape(text)
    return Markup('<span lang="en">%s</span>') % text


environment.filters["english"] = in_english

# Babel's locale for each language of the pages: British English writes the day first.
DATE_LOCALES = {"en": "en_GB", "cy": "cy"}


def long_date(value: Any) -> str:
    """A date as people read it, in the page's language: "2 December 2026", "2 Rhagfyr 2026".
    Takes a date, a moment (its day in England, as ``shared.clock.london_date``), or either as
    ISO text; "" for none; anything else as it is."""
    if value is None or value == "":
        return ""
    day: date | None = None
    if isinstance(value, datetime):
        day = london_date(value)
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value) if len(value) == 10 else london_date(parse_iso(value))
        except ValueError:
            day = None
    if day is None:
        return str(value)
    return format_date(day, "d MMMM y", locale=DATE_LOCALES.get(i18n.current(), "en_GB"))


environment.filters["long_date"] = long_date


def _settings(scope: Scope | None) -> Any:
    """The gateway's settings (services/gateway/settings.py); None outside the app (unit tests)."""
    state = getattr((scope or {}).get("app"), "state", None)
    return getattr(getattr(state, "gateway", None), "settings", None)


def council(scope: Scope | None = None) -> Council:
    """The council the pages are branded for: the gateway's settings, checked at start-up, else
    the environment (the documents service reads the same COUNCIL_* names)."""
    configured = getattr(_settings(scope), "council", None)
    return configured if configured is not None else council_from_env(os.environ)


def content_security_policy(nonce: str, image_origin: str = "") -> str:
    """A page's policy: scripts and styles from the gateway, and the inline ones it marks with
    this page's nonce; images from the gateway and from the council's logo origin, if elsewhere."""
    images = f"'self' data: {image_origin}".strip()
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}';"
        f" style-src 'self' 'nonce-{nonce}'; img-src {images}; object-src 'none';"
        " frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


def _secure_cookies(scope: Scope) -> bool:
    """The gateway's setting for its session cookie (services/gateway/settings.py), else whether
    this request came over HTTPS."""
    settings = _settings(scope)
    if settings is not None:
        return bool(settings.session_cookie_secure)
    return scope.get("scheme") == "https"


def _durations(warning_seconds: int) -> dict[str, list[str]]:
    """The warning's countdown in words in the page's language, for the script to pick from
    (``minutes[n - 1]``, ``seconds[n - 1]``): the catalogue has Welsh's plurals and mutations,
    which browsers' ``Intl`` lacks (Chromium formats Welsh units in English)."""
    return {
        "minutes": [
            i18n.ngettext("%(num)d minute", "%(num)d minutes", n)
            for n in range(1, math.ceil(warning_seconds / 60) + 1)
        ],
        "seconds": [i18n.ngettext("%(num)d second", "%(num)d seconds", n) for n in range(1, 60)],
    }


def _brand_and_session(scope: Scope) -> dict[str, Any]:
    """What base.html needs besides the route's context: the council, and for a browser session
    the timeout warning's starting point (``session_timeout``), or, when the session the browser
    named has ended, why (``session_ended``). Both come from what ``current_principal`` left in
    the request's state (services/gateway/context.py)."""
    brand = council(scope)
    # Checked at start-up; a colour that is not #rrggbb never reaches the page's <style>.
    colour = brand.colour if HEX_COLOUR.match(brand.colour) else Council.colour
    extra: dict[str, Any] = {"council": brand, "council_colour": colour}
    state = scope.get("state") or {}
    settings = _settings(scope)
    principal, stored = state.get("principal"), state.get("session")
    # The casework menu offers only the pages the viewer's roles open (the services decide).
    extra["viewer_roles"] = frozenset(getattr(principal, "roles", None) or ())
    if settings is not None and stored is not None and getattr(principal, "session_id", None):
        left = (stored.expires_at - utcnow()).total_seconds()
        extra["session_timeout"] = {
            "seconds_left": max(0, math.ceil(left)),
            "warning_seconds": settings.session_warning_seconds,
            "extendable": stored.extendable,
            "csrf_token": principal.csrf_token,
            "customer": principal.is_customer,
            "max_hours": settings.session_max_hours,
            "durations": _durations(settings.session_warning_seconds),
        }
    ended = state.get("session_ended")
    if settings is not None and ended is not None:
        path = scope.get("path") or "/"
        extra["session_ended"] = {
            "reason": ended.reason,
            "customer": ended.kind == "customer",
            "idle_minutes": settings.session_idle_minutes,
            "max_hours": settings.session_max_hours,
            # Staff sign in again and come back here (a page's address; a form's answer: home).
            "return_to": path if scope.get("method") == "GET" else "/",
            "on_sign_in_page": path == "/apply",
        }
    return extra


class PageResponse(HTMLResponse):
    """A page rendered when it is sent, because only then is the request at hand: routes call
    ``page()`` without it, and the language is the request's. Its body is empty until sent."""

    def __init__(
        self, template: str, context: dict[str, Any], status_code: int, headers: dict[str, str]
    ) -> None:
        self.template = template
        self.context = context
        super().__init__(b"", status_code=status_code, headers=headers)

    def render_for(self, scope: Scope) -> None:
        """Fills in the body in the request's language; remembers a language the address chose."""
        choice = i18n.choice_of(scope)
        with i18n.using(choice.language):
            title = self.context.get("title")
            if isinstance(title, str) and title:
                # Titles from outside the web package (the error page's problem titles, the
                # sign-in link page's) are the catalogue's words when it has them.
                self.context["title"] = i18n.gettext(title)
            extra = _brand_and_session(scope)
            html = environment.get_template(self.template).render(
                htmlLang=choice.language,
                language_names=i18n.NAMES,
                language_links=i18n.switch_links(scope),
                **{**self.context, **extra},
            )
        self.body = html.encode(self.charset)
        self.headers["content-security-policy"] = content_security_policy(
            self.context["cspNonce"], extra["council"].logo_origin
        )
        if "session_ended" in extra:
            # Said once: the next page is a plain signed-out one.
            self.delete_cookie(SESSION_COOKIE, path="/", httponly=True)
        self.headers["content-length"] = str(len(self.body))
        self.headers["content-language"] = choice.language
        self.headers["vary"] = "Cookie, Accept-Language"
        if choice.chosen_now:
            self.set_cookie(
                i18n.COOKIE,
                choice.language,
                max_age=i18n.COOKIE_MAX_AGE,
                path="/",
                secure=_secure_cookies(scope),
                httponly=False,
                samesite="lax",
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.render_for(scope)
        await super().__call__(scope, receive, send)


def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    # The policy is written again when the page is rendered, with the logo's origin if any.
    policy = content_security_policy(nonce)
    return PageResponse(
        template,
        {"assetPath": ASSET_PATH, "cspNonce": nonce, **context},
        status_code=status_code,
        headers={"Content-Security-Policy": policy, "Cache-Control": "no-store"},
    )
