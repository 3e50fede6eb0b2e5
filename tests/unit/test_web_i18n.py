"""English and Welsh for the web pages (services/gateway/web/i18n.py): the Welsh catalogue has
every word the templates and the Python ask for, translated, placeholders kept and compiled;
the language is the address's, else the cookie's, else the browser's, else English; and a page
renders in it, with the switch, the lang attributes and the cookie."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from services.gateway.errors import TITLES
from services.gateway.web import i18n
from services.gateway.web.form import Question
from services.gateway.web.i18n import _l
from services.gateway.web.rendering import in_english, page
from services.gateway.web.workspace import clock_words

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "Makefile"
# The keywords `make translations` extracts with, besides Babel's own (_, gettext, N_ ...).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def welsh_catalogue():
    with (i18n.TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale="cy")


def words_in_the_source() -> dict[str | tuple[str, ...], list[str]]:
    """Every message the templates and the web package's Python ask for, from the sources as
    they are now (not the committed .pot), with where each is."""
    with (i18n.TRANSLATIONS / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str | tuple[str, ...], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def test_the_makefile_extracts_with_the_keywords_this_test_uses():
    target = MAKEFILE.read_text().split("\ntranslations:", 1)[1]
    assert "-k _l " in target and "-k lazy_ngettext:1,2" in target


def test_the_welsh_catalogue_loads_and_translates():
    welsh = i18n.translations("cy")
    assert welsh.gettext("Start now") == "Dechrau nawr"
    assert welsh.gettext("There is a problem") == "Mae problem wedi codi"
    assert i18n.translations("en").gettext("Start now") == "Start now"
    with pytest.raises(ValueError):
        i18n.translations("fr")


def test_every_word_in_the_source_has_a_welsh_translation():
    catalogue = welsh_catalogue()
    found = words_in_the_source()
    assert "Start now" in found and "Answer this question: %(question)s" in found
    problems = []
    for message, places in found.items():
        key = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(key)
        if entry is None:
            problems.append(f"not in the catalogue: {message!r} ({places[0]})")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {message!r}")
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if isinstance(message, tuple) != isinstance(entry.string, tuple):
            problems.append(f"singular and plural mixed up: {message!r}")
        if not all(strings) or len(strings) != (
            catalogue.num_plurals if isinstance(message, tuple) else 1
        ):
            problems.append(f"untranslated (or a plural form missing): {message!r}")
    assert problems == [], "run `make translations` and translate:\n" + "\n".join(problems)


def test_translations_keep_their_placeholders_and_no_markup():
    """Placeholders are filled in by name, so each must survive; and the templates' newstyle
    gettext marks a translation as safe HTML, so none may carry markup characters."""
    for entry in welsh_catalogue():
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        assert set(PLACEHOLDER.findall(ids[0])) <= wanted
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (entry.id, text)
            assert not set(text) & set('<>&"'), (entry.id, text)


def test_no_welsh_entry_is_fuzzy_or_left_over():
    catalogue = welsh_catalogue()
    assert not [m.id for m in catalogue if m.id and m.fuzzy]
    assert not list(catalogue.obsolete)


def test_the_compiled_catalogue_matches_the_po_file():
    """The .mo is committed: it must be the .po compiled (`make translations`)."""

    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    with (i18n.TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(mo) if m.id}
    source = {plain(m.id): plain(m.string) for m in welsh_catalogue() if m.id}
    assert compiled == source


def test_the_error_page_titles_are_the_gateways_problem_titles():
    assert set(TITLES.values()) | {"Error"} == set(i18n.ERROR_TITLES)


# --- which language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        (None, None, None, "en"),
        ("cy", None, None, "cy"),
        ("en", "cy", "cy", "en"),  # the address beats the cookie and the browser
        (None, "cy", "en", "cy"),  # the cookie beats the browser
        (None, "en", "cy-GB,cy;q=0.9", "en"),
        (None, None, "cy-GB,cy;q=0.9,en;q=0.8", "cy"),
        (None, None, "en-GB,en;q=0.9,cy;q=0.8", "en"),
        (None, None, "fr,cy;q=0.5", "cy"),
        (None, None, "en;q=0.3,cy;q=0.7", "cy"),  # by quality, not order
        (None, None, "cy,en", "cy"),  # a tie: the first listed
        (None, None, "cy;q=0,en;q=0.1", "en"),  # q=0: not wanted
        (None, None, "fr,de", "en"),
        ("fr", "xx", "de", "en"),  # unknown values are ignored
        ("CY", None, None, "cy"),
    ],
)
def test_the_address_beats_the_cookie_beats_the_browser(query, cookie, accept, expected):
    assert i18n.choose(query, cookie, accept) == expected


def scope(
    path: str = "/",
    query: str = "",
    method: str = "GET",
    headers: dict[str, str] | None = None,
    app: object | None = None,
) -> dict:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "scheme": "http",
        "app": app,
    }


def test_a_requests_language_comes_from_its_address_cookie_or_accept_language():
    assert i18n.choice_of(scope(query="lang=cy")) == i18n.Choice("cy", True)
    assert i18n.choice_of(scope(query="lang=klingon")) == i18n.Choice("en", False)
    with_cookie = scope(headers={"Cookie": "ho_session=abc; lang=cy"})
    assert i18n.choice_of(with_cookie) == i18n.Choice("cy", False)
    browser = scope(headers={"Accept-Language": "cy"})
    assert i18n.choice_of(browser) == i18n.Choice("cy", False)
    both = scope(query="lang=en", headers={"Cookie": "lang=cy", "Accept-Language": "cy"})
    assert i18n.choice_of(both) == i18n.Choice("en", True)


def test_the_switch_links_to_this_page_in_each_language():
    links = i18n.switch_links(scope("/work/cases", "name=Jo+Bloggs&lang=cy&page=2"))
    assert links["en"] == "/work/cases?name=Jo+Bloggs&page=2&lang=en"
    assert links["cy"] == "/work/cases?name=Jo+Bloggs&page=2&lang=cy"
    # A form post's answer cannot be fetched again: back to the page the form was on.
    posted = scope(
        "/apply/email",
        method="POST",
        headers={"Host": "council.example", "Referer": "http://council.example/apply"},
    )
    assert i18n.switch_links(posted)["cy"] == "/apply?lang=cy"
    elsewhere = scope(
        "/apply/email",
        method="POST",
        headers={"Host": "council.example", "Referer": "https://evil.example/apply"},
    )
    assert i18n.switch_links(elsewhere)["cy"] == "/?lang=cy"
    assert i18n.switch_links(scope("//evil.example/x"))["en"] == "/?lang=en"


# --- words looked up when shown -------------------------------------------------------------


def test_lazy_words_are_looked_up_in_the_language_of_the_moment():
    title = _l("Case %(reference)s", reference="HO-2026-000001")
    assert str(title) == "Case HO-2026-000001"
    with i18n.using("cy"):
        assert str(title) == "Achos HO-2026-000001"
    assert str(title) == "Case HO-2026-000001"


def test_clock_words_have_welsh_plurals():
    from datetime import date

    today = date(2026, 11, 2)
    words = {days: clock_words(f"2026-11-{2 + days:02d}", today)[0] for days in (0, 1, 2, 3, 20)}
    assert [str(words[d]) for d in (0, 1, 2, 20)] == [
        "last day today",
        "1 day left",
        "2 days left",
        "20 days left",
    ]
    with i18n.using("cy"):
        assert str(words[1]) == "1 diwrnod ar ôl"
        assert str(words[2]) == "2 ddiwrnod ar ôl"  # soft mutation after "dau"
        assert str(words[20]) == "20 diwrnod ar ôl"
        assert str(clock_words("2026-10-31", today)[0]) == "2 ddiwrnod ers y diwrnod olaf"
    assert str(clock_words("2026-11-01", today)[0]) == "1 day past the last day"


def test_english_only_words_are_marked_as_english_on_a_welsh_page():
    assert in_english("Your name") == "Your name"
    with i18n.using("cy"):
        assert in_english("Fish & chips") == '<span lang="en">Fish &amp; chips</span>'
        assert in_english(None) == ""


# --- pages ----------------------------------------------------------------------------------


def rendered(response, request: dict) -> tuple[dict[str, str], str]:
    """A page as the browser gets it (its headers and its HTML) for ``request``."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(response(request, receive, send))
    headers: dict[str, str] = {}
    for name, value in sent[0]["headers"]:
        headers.setdefault(name.decode(), value.decode())
    body = b"".join(m.get("body", b"") for m in sent[1:]).decode()
    assert headers["content-length"] == str(len(body.encode()))
    return headers, body


def start_page():
    return page("start.html", title=_l("Get help with housing"), principal=None)


def test_a_page_is_english_by_default_with_a_link_to_welsh():
    headers, html = rendered(start_page(), scope())
    assert '<html lang="en"' in html and "Start now" in html
    assert "set-cookie" not in headers and headers["content-language"] == "en"
    assert '<nav class="govuk-language-navigation' in html and 'aria-label="Language"' in html
    assert (
        '<a class="govuk-language-navigation__link" href="/?lang=cy" rel="alternate" lang="cy"'
        ' hreflang="cy">Cymraeg</a>'
    ) in html
    assert 'aria-current="true" lang="en">English</span>' in html
    assert "Skip to main content" in html


def test_asking_for_welsh_renders_welsh_and_remembers_it():
    headers, html = rendered(start_page(), scope(query="lang=cy"))
    assert '<html lang="cy"' in html and "Dechrau nawr" in html and "Start now" not in html
    # The start page is titled with the service's name, once, then the council's.
    assert re.search(r"<title>Cael help gyda thai – [^–<]+</title>", html)
    assert "Neidio i&#39;r prif gynnwys" in html or "Neidio i'r prif gynnwys" in html
    assert 'aria-label="Iaith"' in html and 'aria-label="Gwybodaeth am y gwasanaeth"' in html
    assert 'href="/?lang=en" rel="alternate" lang="en" hreflang="en">English</a>' in html
    cookie = headers["set-cookie"]
    assert cookie.startswith("lang=cy;") and "Max-Age=31536000" in cookie
    assert "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie and "HttpOnly" not in cookie


def test_the_language_cookie_is_secure_when_the_gateways_settings_say_so():
    settings = SimpleNamespace(session_cookie_secure=True)
    app = SimpleNamespace(state=SimpleNamespace(gateway=SimpleNamespace(settings=settings)))
    headers, _ = rendered(start_page(), scope(query="lang=cy", app=app))
    assert "Secure" in headers["set-cookie"]


def test_a_welsh_error_page_says_so_in_welsh():
    response = page(
        "email.html",
        status_code=400,
        title=_l("Enter your email address"),
        back_link="/",
        errors={"email": _l("Enter an email address in the correct format, like name@example.com")},
        email="jo at example",
    )
    _, html = rendered(response, scope("/apply/email", headers={"Cookie": "lang=cy"}))
    assert "<title>Gwall: Rhowch eich cyfeiriad e-bost" in html
    assert "Mae problem wedi codi" in html and "Rhowch gyfeiriad e-bost yn y fformat cywir" in html
    assert '<span class="govuk-visually-hidden">Gwall:</span>' in html
    assert ">Yn ôl</a>" in html


def test_problem_titles_from_outside_the_web_package_are_translated():
    response = page("error.html", status_code=404, title="Not found", detail="No such case.")
    _, html = rendered(response, scope("/work/cases/x", headers={"Accept-Language": "cy"}))
    assert "Heb ddod o hyd iddo" in html
    assert '<span lang="en">No such case.</span>' in html


def test_a_welsh_question_page_marks_the_templates_english_words():
    question = Question(
        key="in_danger",
        type="boolean",
        label="Are you in danger?",
        help="Tell us if anyone threatens you.",
        required=True,
        options=[],
        section="About you",
    )
    response = page(
        "question.html",
        title=question.label,
        question=question,
        value=None,
        raw={},
        date_parts={},
        error=_l("Select an answer"),
        errors={question.key: _l("Select an answer")},
        enquiry={"id": "e1"},
        csrf_token="t",
        back_link="/apply",
    )
    _, html = rendered(response, scope("/apply/e1/q/in_danger", query="lang=cy"))
    assert '<span lang="en">Are you in danger?</span>' in html
    assert '<span lang="en">Tell us if anyone threatens you.</span>' in html
    assert '<span lang="en">About you</span>' in html
    assert "Dewiswch ateb" in html and ">Ie<" in html.replace("\n", "").replace(" ", "")
