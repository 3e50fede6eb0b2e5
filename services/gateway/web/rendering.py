"""How a page is rendered: one jinja2 environment for our templates and GOV.UK Frontend's
macros, the council's name and colour, and a fresh nonce per page for the one inline script
GOV.UK Frontend's template has, named in that page's Content-Security-Policy."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from starlette.responses import HTMLResponse

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
# Words go through gettext from the start, so that a Welsh catalogue can be added.
environment.install_null_translations(newstyle=True)


def council() -> dict[str, str]:
    """The council the pages are branded for (the documents service reads the same names)."""
    return {
        "name": os.environ.get("COUNCIL_NAME", "Example Borough Council"),
        "phone": os.environ.get("COUNCIL_PHONE", "0300 555 0100"),
        "email": os.environ.get("COUNCIL_EMAIL", "housing.options@example.gov.uk"),
        "colour": os.environ.get("COUNCIL_COLOUR", "#1d4f91"),
    }


def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    body = environment.get_template(template).render(
        assetPath=ASSET_PATH, cspNonce=nonce, council=council(), **context
    )
    policy = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; img-src 'self' data:;"
        " object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={"Content-Security-Policy": policy, "Cache-Control": "no-store"},
    )
