"""How a page is rendered: one jinja2 environment for our templates and GOV.UK Frontend's
macros, the council's name and colour, the page's language (English or Welsh: i18n.py), and a
fresh nonce per page for the one inline script GOV.UK Frontend's template has, named in that
page's Content-Security-Policy."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from services.gateway.web import i18n

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


def council() -> dict[str, str]:
    """The council the pages are branded for (the documents service reads the same names)."""
    return {
        "name": os.environ.get("COUNCIL_NAME", "Example Borough Council"),
        "phone": os.environ.get("COUNCIL_PHONE", "0300 555 0100"),
        "email": os.environ.get("COUNCIL_EMAIL", "housing.options@example.gov.uk"),
        "colour": os.environ.get("COUNCIL_COLOUR", "#1d4f91"),
    }


def _secure_cookies(scope: Scope) -> bool:
    """The gateway's setting for its session cookie (services/gateway/settings.py), else whether
    this request came over HTTPS."""
    state = getattr(scope.get("app"), "state", None)
    settings = getattr(getattr(state, "gateway", None), "settings", None)
    if settings is not None:
        return bool(settings.session_cookie_secure)
    return scope.get("scheme") == "https"


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
            html = environment.get_template(self.template).render(
                htmlLang=choice.language,
                language_names=i18n.NAMES,
                language_links=i18n.switch_links(scope),
                **self.context,
            )
        self.body = html.encode(self.charset)
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
    policy = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; img-src 'self' data:;"
        " object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    return PageResponse(
        template,
        {"assetPath": ASSET_PATH, "cspNonce": nonce, "council": council(), **context},
        status_code=status_code,
        headers={"Content-Security-Policy": policy, "Cache-Control": "no-store"},
    )
