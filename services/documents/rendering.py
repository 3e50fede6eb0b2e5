"""Turning a pack's content into HTML and PDF. No nameko, no database.

Statement bodies come from the bank and may personalise from the answers; they are rendered in a
sandboxed jinja2 environment, and the result is escaped as text, so a body cannot run code, inject
markup or make the PDF renderer fetch anything. The PDF renderer may only load files from the
assets folder.
"""

from __future__ import annotations

import io
import logging
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape
from xhtml2pdf import pisa

TEMPLATES_DIR = Path(__file__).parent / "templates"
ASSETS_DIR = (Path(__file__).parent / "assets").resolve()
PACK_TEMPLATE_VERSION = "pack-1"


class RenderFailed(Exception):
    """A template or PDF could not be produced; the message says which part failed."""


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


def render_statement_body(body: str, answers: dict[str, Any]) -> Markup:
    """Personalise one statement body; paragraphs are separated by blank lines."""
    try:
        text = _snippets.from_string(body).render(answers=answers)
    except jinja2.TemplateError as exc:
        raise RenderFailed(f"statement body: {exc}") from exc
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(escape(" ".join(p.split()))) for p in paragraphs
    )


def pack_html(content: dict[str, Any], branding: dict[str, Any]) -> str:
    """``content``: case_reference, applicant_name, workflow_title, generated_on, answers and
    sections [{key, title, statements: [{title, body}]}]."""
    sections = [
        {
            **section,
            "statements": [
                {**s, "html": render_statement_body(s["body"], content["answers"])}
                for s in section["statements"]
            ],
        }
        for section in content["sections"]
    ]
    try:
        return _pages.get_template("pack.html").render(
            **{**content, "sections": sections}, council=branding
        )
    except jinja2.TemplateError as exc:
        raise RenderFailed(f"pack template: {exc}") from exc


def _local_assets_only(uri: str, _rel: str) -> str:
    """xhtml2pdf asks here for every image, font and stylesheet: only the assets folder answers."""
    candidate = (ASSETS_DIR / uri.removeprefix("assets/")).resolve()
    if candidate.is_relative_to(ASSETS_DIR) and candidate.is_file():
        return str(candidate)
    logging.getLogger(__name__).warning("blocked resource in document: %r", uri[:200])
    return ""


def html_to_pdf(html: str) -> bytes:
    buffer = io.BytesIO()
    status = pisa.CreatePDF(html, dest=buffer, encoding="utf-8", link_callback=_local_assets_only)
    if status.err:
        raise RenderFailed(f"PDF conversion reported {status.err} error(s)")
    return buffer.getvalue()
