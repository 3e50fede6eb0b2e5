"""English and Welsh for the web pages.

A page is in the language its address asks for (``?lang=cy`` or ``?lang=en``, then remembered
in the ``lang`` cookie), else the cookie's, else the browser's preference between the two
(``Accept-Language``), else English. Welsh councils must offer every page in Welsh (the Welsh
Language Standards), and a choice once made should stay made from page to page.

Words are looked up when a page is rendered, in the language of the request being answered
(``using``). Routes build their titles and messages before that moment, so they use the lazy
forms (``_l``, ``lazy_ngettext``), which look the words up when the page shows them. The Welsh
catalogue is compiled (``make translations``) and committed, so nothing compiles at run time.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import LazyProxy

LANGUAGES = ("en", "cy")
DEFAULT = "en"
# Each language named in itself, as the switch shows it.
NAMES = {"en": "English", "cy": "Cymraeg"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"

_language: ContextVar[str] = ContextVar("page_language", default=DEFAULT)


def N_(message: str) -> str:
    """Marks words for the catalogue that are looked up later, by value."""
    return message


# The error page's headings: the gateway's problem titles (services/gateway/errors.py TITLES),
# looked up by value when a page is rendered. A unit test keeps this list in step with those.
ERROR_TITLES = (
    N_("Error"),
    N_("Bad request"),
    N_("Sign-in needed"),
    N_("Not allowed"),
    N_("Not found"),
    N_("Method not allowed"),
    N_("Conflict"),
    N_("Request too large"),
    N_("Unsupported media type"),
    N_("Validation failed"),
    N_("Too many requests"),
    N_("Something went wrong"),
    N_("Service unavailable"),
    N_("Service did not answer"),
)


def supported(value: str | None) -> str | None:
    """``value`` if it names a language the pages are written in (``cy-GB`` counts as ``cy``)."""
    if not value:
        return None
    primary = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The browser's preference between Welsh and English, by quality value (the first listed
    wins a tie); None when it names neither."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, parameters = part.partition(";")
        language = supported(tag)
        if language is None:
            continue
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (-quality, position, language)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The address's choice, else the cookie's, else the browser's, else English."""
    return supported(query) or supported(cookie) or from_accept_language(accept_language) or DEFAULT


@dataclass(frozen=True)
class Choice:
    """A request's language, and whether its address chose it (so the cookie should keep it)."""

    language: str
    chosen_now: bool


def _headers(scope: Mapping[str, Any]) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers") or []
    }


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip().strip('"')
    return None


def choice_of(scope: Mapping[str, Any]) -> Choice:
    """The language of the request an ASGI ``scope`` describes."""
    query = urllib.parse.parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    asked = supported((query.get("lang") or [None])[-1])
    headers = _headers(scope)
    language = choose(
        asked, _cookie(headers.get("cookie", ""), COOKIE), headers.get("accept-language")
    )
    return Choice(language, asked is not None)


def switch_links(scope: Mapping[str, Any]) -> dict[str, str]:
    """Where each language's link in the switch goes: this page again, in that language. An
    answer to a form post cannot be fetched again, so its links go back to the page the form was
    on (its Referer, when that is on this site), else to the start."""
    headers = _headers(scope)
    if scope.get("method", "GET") in ("GET", "HEAD"):
        path = scope.get("path") or "/"
        query = (scope.get("query_string") or b"").decode("latin-1")
    else:
        path, query = "/", ""
        referer = urllib.parse.urlsplit(headers.get("referer", ""))
        if referer.netloc and referer.netloc == headers.get("host") and _local(referer.path):
            path, query = referer.path, referer.query
    if not _local(path):
        path = "/"
    kept = [(k, v) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if k != "lang"]
    return {
        language: path + "?" + urllib.parse.urlencode([*kept, ("lang", language)])
        for language in LANGUAGES
    }


def _local(path: str) -> bool:
    return path.startswith("/") and not path.startswith("//") and "\\" not in path


@cache
def translations(language: str) -> stdlib_gettext.NullTranslations:
    """A language's compiled catalogue; English is the words as written. A missing Welsh
    catalogue is an error here rather than a silently English page."""
    if language == DEFAULT:
        return stdlib_gettext.NullTranslations()
    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for {language!r}")
    with (TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as compiled:
        return stdlib_gettext.GNUTranslations(compiled)


def current() -> str:
    """The language of the page being rendered."""
    return _language.get()


@contextmanager
def using(language: str) -> Iterator[None]:
    """Words looked up inside are in ``language``."""
    token = _language.set(supported(language) or DEFAULT)
    try:
        yield
    finally:
        _language.reset(token)


def gettext(message: str, **params: Any) -> str:
    """``message`` in the current language, its ``%(name)s`` placeholders filled from
    ``params``."""
    text = translations(current()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, num: int, **params: Any) -> str:
    """The form for ``num`` in the current language; ``%(num)d`` and ``params`` filled in."""
    text = translations(current()).ngettext(singular, plural, num)
    return text % {"num": num, **params}


def _l(message: str, **params: Any) -> LazyProxy:
    """``gettext`` when the words are shown, not now: for titles and messages a route builds
    before the page (and so its language) is rendered."""
    return LazyProxy(gettext, message, enable_cache=False, **params)


def lazy_ngettext(singular: str, plural: str, num: int, **params: Any) -> LazyProxy:
    """``ngettext`` when the words are shown."""
    return LazyProxy(ngettext, singular, plural, num, enable_cache=False, **params)


__all__ = [
    "COOKIE",
    "COOKIE_MAX_AGE",
    "LANGUAGES",
    "NAMES",
    "Choice",
    "choice_of",
    "choose",
    "current",
    "from_accept_language",
    "gettext",
    "lazy_ngettext",
    "ngettext",
    "supported",
    "switch_links",
    "translations",
    "using",
]
