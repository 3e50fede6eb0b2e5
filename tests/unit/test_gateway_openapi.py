"""The committed OpenAPI document (docs/openapi.json) is the gateway's own: a change to the API
without ``make openapi`` fails here, so front-end developers never read a stale contract."""

from __future__ import annotations

from services.gateway import openapi


def test_the_committed_openapi_document_matches_the_code():
    committed = openapi.COMMITTED.read_text(encoding="utf-8")
    assert committed == openapi.rendered(), "docs/openapi.json is out of date: run make openapi"


def test_the_document_is_openapi_3_1_with_problem_details_and_every_resource():
    spec = openapi.document()
    assert spec["openapi"].startswith("3.1")
    paths = spec["paths"]
    for resource in (
        "/api/v1/enquiries",
        "/api/v1/templates/{key}",
        "/api/v1/cases",
        "/api/v1/cases/{case}/timeline/verification",
        "/api/v1/tasks",
        "/api/v1/documents/{document_id}",
        "/api/v1/statements/{key}",
        "/api/v1/workflows",
        "/api/v1/closure-days",
        "/auth/sign-in-links",
    ):
        assert resource in paths, resource
    download = paths["/api/v1/documents/{document_id}"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "text/html"} <= set(download)
