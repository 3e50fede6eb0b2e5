"""Dates on the customer's pages as people write them, in the page's language
(services/gateway/web/rendering.py ``long_date``), and the case page that shows them: its dates,
and links that each say which document they open."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from services.gateway.web import i18n
from services.gateway.web.i18n import _l
from services.gateway.web.pages import DOCUMENTS, STAGES
from services.gateway.web.rendering import environment, long_date, page


@pytest.mark.parametrize(
    ("value", "english", "welsh"),
    [
        (date(2026, 12, 2), "2 December 2026", "2 Rhagfyr 2026"),
        ("2026-12-02", "2 December 2026", "2 Rhagfyr 2026"),
        ("2027-01-05", "5 January 2027", "5 Ionawr 2027"),
        # A moment is shown as its day in England: 23:30 UTC on 31 May is 1 June in London.
        ("2026-05-31T23:30:00Z", "1 June 2026", "1 Mehefin 2026"),
        (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "1 June 2026", "1 Mehefin 2026"),
        ("2026-11-30T23:30:00+00:00", "30 November 2026", "30 Tachwedd 2026"),
        (None, "", ""),
        ("", "", ""),
        ("not a date", "not a date", "not a date"),
    ],
)
def test_a_date_is_written_as_people_write_it_in_the_pages_language(value, english, welsh):
    assert long_date(value) == english
    with i18n.using("cy"):
        assert long_date(value) == welsh


def test_the_templates_have_the_date_filter():
    rendered = environment.from_string("{{ day | long_date }}").render(day="2026-03-02")
    assert rendered == "2 March 2026"


def scope(query: str = "") -> dict:
    return {
        "type": "http",
        "method": "GET",
        "path": "/my-case",
        "query_string": query.encode(),
        "headers": [],
        "scheme": "http",
        "app": None,
    }


def rendered(response, request: dict) -> str:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(response(request, receive, send))
    return b"".join(m.get("body", b"") for m in sent[1:]).decode()


CASE = {
    "reference": "HO-2026-000042",
    "stage": "triage",
    "opened_at": "2026-12-01T10:00:00Z",
    "tasks": [{"name": "Send us your tenancy agreement", "due_at": "2026-12-09T17:00:00Z"}],
    "documents": [
        {"document_id": "d1", "kind": "information_pack", "version": 1},
        {"document_id": "d2", "kind": "information_pack", "version": 2},
    ],
}


def case_page(query: str = "") -> str:
    response = page(
        "my_case.html",
        title=_l("Your housing case"),
        cases=[CASE],
        stages=STAGES,
        documents=DOCUMENTS,
    )
    return rendered(response, scope(query))


def test_the_case_page_writes_its_dates_in_words():
    html = case_page()
    assert "1 December 2026" in html and "by 9 December 2026" in html
    assert "2026-12-01" not in html and "2026-12-09" not in html
    welsh = case_page("lang=cy")
    assert "1 Rhagfyr 2026" in welsh and "9 Rhagfyr 2026" in welsh
    # The task's name comes from the task frameworks, in English only: marked so.
    assert '<span lang="en">Send us your tenancy agreement</span>' in welsh


def test_each_document_link_says_which_document_it_opens():
    html = case_page()
    hidden = [
        '<span class="govuk-visually-hidden"> (Information pack, version 1)</span>',
        '<span class="govuk-visually-hidden"> (Information pack, version 2)</span>',
    ]
    for which in hidden:
        assert f"read it{which}</a>" in html
        assert f"download the PDF{which}</a>" in html
