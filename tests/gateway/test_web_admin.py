"""The statement editor as an admin uses it without JavaScript: a new statement is previewed
against a real case (not chosen, and the condition that did not hold is shown), the condition
is changed and the preview changes, then it is saved as version 1; bad input keeps what was
typed and names the field. A caseworker may not preview."""

from __future__ import annotations

import re
from datetime import date

import pytest

from shared.clock import london_today
from tests.gateway.conftest import sign_in_staff, submitted_case

pytestmark = pytest.mark.e2e

KEY = "pets-and-children-web"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def statement_form(csrf: str, when: str, case: str, action: str) -> dict:
    return {
        "csrf_token": csrf,
        "title": "Pets, children and your tenancy",
        "body": "Check your tenancy agreement before a pet moves in.",
        "section": "your_home",
        "workflows": "private_rented_eviction",
        "nations": "england",
        "priority": "100",
        "when": when,
        "source": "https://www.legislation.gov.uk/ukpga/2025/26/section/11",
        "reviewed_on": london_today().isoformat(),
        "case": case,
        "action": action,
    }


def test_an_admin_previews_a_statement_against_a_case_then_saves_it(front):
    officer = sign_in_staff(front, "local-caseworker")
    reference = submitted_case(front, officer, "admin.preview@example.org")["reference"]

    # The bank's editor who may also read the team's cases (team leader and admin).
    admin = sign_in_staff(front, "local-service-manager")
    admin.headers["Origin"] = front.url
    assert "Statement bank" in admin.get("/work/admin/statements").text
    editor = admin.get(f"/work/admin/statements/{KEY}")
    assert editor.status_code == 200 and "New statement" in editor.text
    csrf = csrf_of(editor.text)

    strict = '{"gt": ["household_children", 5]}'
    first = admin.post(
        f"/work/admin/statements/{KEY}", data=statement_form(csrf, strict, reference, "preview")
    )
    assert first.status_code == 200, first.text[:3000]
    assert 'id="preview-draft">not chosen' in first.text
    assert "did not hold" in first.text and "household_children" in first.text

    loose = '{"gt": ["household_children", 0]}'
    second = admin.post(
        f"/work/admin/statements/{KEY}", data=statement_form(csrf, loose, reference, "preview")
    )
    assert 'id="preview-draft">chosen' in second.text

    broken = admin.post(
        f"/work/admin/statements/{KEY}",
        data=statement_form(csrf, "{not json", reference, "preview"),
    )
    assert (
        broken.status_code == 400 and "not valid JSON" in broken.text and "{not json" in broken.text
    )
    unknown = admin.post(
        f"/work/admin/statements/{KEY}",
        data=statement_form(csrf, '{"eq": ["tenure", "igloo"]}', reference, "preview"),
    )
    assert unknown.status_code == 400 and "igloo" in unknown.text

    saved = admin.post(
        f"/work/admin/statements/{KEY}", data=statement_form(csrf, loose, reference, "save")
    )
    assert saved.status_code == 200 and "Saved as a new version" in saved.text
    assert "version 1" in saved.text
    again = admin.post(
        f"/work/admin/statements/{KEY}", data=statement_form(csrf, strict, reference, "preview")
    )
    assert (
        'id="preview-draft">not chosen' in again.text and 'id="preview-saved">chosen' in again.text
    )

    # Saving is the admin's: a caseworker may try a change on their case, not save it.
    officer.headers["Origin"] = front.url
    page = officer.get(f"/work/admin/statements/{KEY}")
    tried = officer.post(
        f"/work/admin/statements/{KEY}",
        data=statement_form(csrf_of(page.text), strict, reference, "preview"),
    )
    assert 'id="preview-draft">not chosen' in tried.text
    refused = officer.post(
        f"/work/admin/statements/{KEY}",
        data=statement_form(csrf_of(page.text), strict, reference, "save"),
    )
    assert refused.status_code == 400 and "Not allowed" in refused.text
    # An admin who may not read cases is told so when trying a statement on one.
    plain_admin = sign_in_staff(front, "local-admin")
    plain_admin.headers["Origin"] = front.url
    page = plain_admin.get(f"/work/admin/statements/{KEY}")
    no_case = plain_admin.post(
        f"/work/admin/statements/{KEY}",
        data=statement_form(csrf_of(page.text), strict, reference, "preview"),
    )
    assert no_case.status_code == 400 and "Not allowed" in no_case.text


def test_an_admin_publishes_a_template_and_sees_each_problem_by_its_path(front):
    from pathlib import Path

    import yaml

    admin = sign_in_staff(front, "local-admin")
    admin.headers["Origin"] = front.url
    listed = admin.get("/work/admin/templates")
    assert listed.status_code == 200 and "housing-options-enquiry" in listed.text
    csrf = csrf_of(listed.text)
    broken = admin.post("/work/admin/templates", data={"csrf_token": csrf, "definition": "key: [x"})
    assert broken.status_code == 400 and "not valid YAML or JSON" in broken.text
    starter = Path("services/enquiry/seed/starter_template_v3.yaml").read_text()
    definition = yaml.safe_load(starter)
    wrong = {
        **definition,
        "version": 4,
        "sections": [
            {"key": "s", "title": "S", "questions": [{"key": "q", "type": "igloo", "label": "Q?"}]}
        ],
    }
    refused = admin.post(
        "/work/admin/templates", data={"csrf_token": csrf, "definition": yaml.safe_dump(wrong)}
    )
    assert refused.status_code == 400 and "govuk-error-summary" in refused.text
    assert "definition." in refused.text  # each problem named by its path
    assert "igloo" in refused.text  # what was typed is still in the box
    # A date written without quotes is a date to YAML: it is sent as the text it was.
    unquoted = yaml.safe_dump({**definition, "version": 4, "effective_from": date(2026, 5, 1)})
    assert "effective_from: 2026-05-01\n" in unquoted
    published = admin.post(
        "/work/admin/templates", data={"csrf_token": csrf, "definition": unquoted}
    )
    assert published.status_code == 200, published.text[:2000]
    assert "Published housing-options-enquiry version 4" in published.text
