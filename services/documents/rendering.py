"""Turning a pack's content into HTML and PDF. No nameko, no database: the service runs the
parts that untrusted input can slow down (statement bodies, the PDF conversion) in a worker
process (``isolation``), which calls the functions here.

Statement bodies come from the bank and may personalise from the answers; they are rendered in a
sandboxed jinja2 environment, at most ``max_chars`` of output, and the result is escaped as
text, so a body cannot run code, inject markup or make the PDF renderer fetch anything. The PDF
renderer may only load files from the assets folder: its resource callback raises for anything
else, and xhtml2pdf's own resource policy confines every other fetch to the same folder.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import (
    RenderLimitError,
    ResourceAccessError,
    ResourceAccessPolicy,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
ASSETS_DIR = (Path(__file__).parent / "assets").resolve()
PACK_TEMPLATE_VERSION = "pack-2"


# The stored body may be 50,000 characters (advice's limit): a plain body always fits.
STATEMENT_MAX_CHARS = 50_000
PDF_MAX_SECONDS = 30.0


class RenderFailed(Exception):
    """A template or PDF could not be produced; the message says which part failed."""


class StatementTooLong(RenderFailed):
    """A statement body produced more than its limit of characters."""


class ResourceRefused(RenderFailed):
    """The PDF renderer asked for something outside the assets folder."""


def long_date(value: Any) -> str:
    """``2026-12-01`` → ``1 December 2026``; anything else is shown as given."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


_snippets = SandboxedEnvironment(autoescape=False, undefined=jinja2.ChainableUndefined)
_snippets.filters["long_date"] = long_date
_pages = SandboxedEnvironment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_pages.filters["long_date"] = long_date


def logo_src(name: str, medium: str) -> str:
    """The council's logo, from the assets folder only: a path the PDF renderer resolves there,
    or, for the self-contained HTML edition, the image itself as a data URI."""
    path = (ASSETS_DIR / name).resolve()
    if not path.is_relative_to(ASSETS_DIR) or not path.is_file():
        raise RenderFailed(f"logo {name!r} is not a file in the assets folder")
    if medium == "pdf":
        return f"assets/{path.relative_to(ASSETS_DIR).as_posix()}"
    kind = "png" if path.suffix.lower() == ".png" else "jpeg"
    return f"data:image/{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


_pages.globals["logo_src"] = logo_src


def statement_text(body: str, answers: dict[str, Any], max_chars: int = STATEMENT_MAX_CHARS) -> str:
    """One statement body personalised, as plain text. Rendered piece by piece, so a body whose
    output passes ``max_chars`` stops there (``StatementTooLong``) instead of filling memory."""
    produced: list[str] = []
    size = 0
    try:
        for piece in _snippets.from_string(body).generate(answers=answers):
            size += len(piece)
            if size > max_chars:
                raise StatementTooLong(f"statement body: more than {max_chars} characters")
            produced.append(piece)
    except jinja2.TemplateError as exc:
        raise RenderFailed(f"statement body: {exc}") from exc
    return "".join(produced)


def as_paragraphs(text: str) -> Markup:
    """Plain text as escaped paragraphs; paragraphs are separated by blank lines."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(escape(" ".join(p.split()))) for p in paragraphs
    )


def render_statement_body(
    body: str, answers: dict[str, Any], max_chars: int = STATEMENT_MAX_CHARS
) -> Markup:
    """Personalise one statement body, in this process (the service uses ``isolation``)."""
    return as_paragraphs(statement_text(body, answers, max_chars))


def pack_html(content: dict[str, Any], branding: dict[str, Any], medium: str = "pdf") -> str:
    """``content``: case_reference, applicant_name, workflow_title, generated_on, answers and
    sections [{key, title, statements: [{title, body}]}]; a statement that already has its
    ``html`` (``as_paragraphs``, rendered in the worker) is not rendered again. ``medium`` is
    ``pdf`` (the input to the PDF renderer) or ``html`` (the accessible web edition)."""
    sections = [
        {
            **section,
            "statements": [
                {
                    **s,
                    "html": s["html"]
                    if "html" in s
                    else render_statement_body(s["body"], content["answers"]),
                }
                for s in section["statements"]
            ],
        }
        for section in content["sections"]
    ]
    try:
        return _pages.get_template("pack.html").render(
            **{**content, "sections": sections}, council=branding, medium=medium
        )
    except jinja2.TemplateError as exc:
        raise RenderFailed(f"pack template: {exc}") from exc


def _local_assets_only(uri: Any, _relative: Any) -> str:
    """xhtml2pdf asks here for every image, font and stylesheet: only a file in the assets
    folder answers. Anything else raises, which ends the conversion: an empty answer would make
    xhtml2pdf fetch the original address itself."""
    text = str(uri)
    asked = Path(text) if text.startswith("/") else ASSETS_DIR / text.removeprefix("assets/")
    if text.startswith(("assets/", str(ASSETS_DIR) + "/")) and ":" not in text:
        candidate = asked.resolve()
        if candidate.is_relative_to(ASSETS_DIR) and candidate.is_file():
            return str(candidate)
    raise ResourceRefused(f"resource refused in document: {text[:120]!r}")


# For whatever xhtml2pdf fetches without asking the callback (it has such paths): no network,
# local reads inside the assets folder only, and its own limits on the document's size and time.
RESOURCE_POLICY = ResourceAccessPolicy.server(
    ASSETS_DIR, allow_remote=False, max_render_seconds=PDF_MAX_SECONDS
)


class PdfRenderer(Protocol):
    """What turns a document's HTML into PDF. xhtml2pdf cannot produce tagged (accessible) PDF,
    which is why every document also has an HTML edition; a renderer that can would implement
    this and replace ``XhtmlPdfRenderer`` in ``RENDERER``."""

    name: str

    def render(self, html: str, max_seconds: float = PDF_MAX_SECONDS) -> bytes: ...


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage()[:300])


class XhtmlPdfRenderer:
    name = "xhtml2pdf"

    def render(self, html: str, max_seconds: float = PDF_MAX_SECONDS) -> bytes:
        """A conversion that warns (a missing font or image, a blocked resource, markup it
        did not understand) fails loudly instead of producing a quietly wrong document."""
        collected = _Collect()
        watched = [logging.getLogger("xhtml2pdf"), logging.getLogger(__name__)]
        for logger in watched:
            logger.addHandler(collected)
        try:
            buffer = io.BytesIO()
            status = pisa.CreatePDF(
                html,
                dest=buffer,
                encoding="utf-8",
                link_callback=_local_assets_only,
                resource_policy=replace(RESOURCE_POLICY, max_render_seconds=max_seconds),
            )
        except (ResourceAccessError, RenderLimitError) as refused:
            raise RenderFailed(f"PDF conversion failed: {str(refused)[:300]}") from refused
        finally:
            for logger in watched:
                logger.removeHandler(collected)
        if status.err or collected.messages:
            problems = "; ".join(collected.messages) or f"{status.err} error(s)"
            raise RenderFailed(f"PDF conversion failed: {problems}")
        return buffer.getvalue()


RENDERER: PdfRenderer = XhtmlPdfRenderer()


def html_to_pdf(html: str, max_seconds: float = PDF_MAX_SECONDS) -> bytes:
    return RENDERER.render(html, max_seconds)


def letter_html(letter: str, content: dict[str, Any], branding: dict[str, Any], medium: str) -> str:
    """Any letter under templates/letters/: adding a letter type is adding a template file."""
    if letter not in letter_types():
        raise RenderFailed(f"no letter template {letter!r}")
    try:
        return _pages.get_template(f"letters/{letter}.html").render(
            **content, council=branding, medium=medium
        )
    except jinja2.TemplateError as exc:
        raise RenderFailed(f"letter template {letter}: {exc}") from exc


def letter_types() -> list[str]:
    return sorted(path.stem for path in (TEMPLATES_DIR / "letters").glob("*.html"))
