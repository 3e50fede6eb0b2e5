"""The task frameworks page as an admin uses it without JavaScript: the stored editions are
listed; a good YAML document pasted into the box is loaded; a bad one is refused with each
problem named by its path in the document and the text kept in the box (nothing of it stored);
a file can be uploaded instead. A caseworker may neither see nor load frameworks. Then the same
over the API, ``/api/v1/task-frameworks``."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.gateway.conftest import sign_in_staff

pytestmark = pytest.mark.e2e

PAGE = "/work/admin/frameworks"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def edition(**changes):
    return {
        "nations": ["england"],
        "effective_from": "2027-04-01",
        "tasks": [
            {"key": "contact", "name": "Contact the applicant", "owner": "team:housing-options"},
            {"key": "plan", "name": "Agree the plan", "depends_on": [{"task": "contact"}]},
        ],
        "on_duty": {"relief": [{"key": "assess", "name": "Assess for relief"}]},
        **changes,
    }


def stored_ids(client, workflow):
    listed = client.get("/api/v1/task-frameworks", params={"workflow": workflow})
    assert listed.status_code == 200, listed.text
    return [item["id"] for item in listed.json()["items"]]


def test_an_admin_lists_loads_and_sees_each_problem_by_its_path(front):
    admin = sign_in_staff(front, "local-admin")
    admin.headers["Origin"] = front.url
    listed = admin.get(PAGE)
    assert listed.status_code == 200, listed.text[:2000]
    # The shipped frameworks, with their dates and counts.
    assert "private_rented_eviction" in listed.text and "from 2018-04-03" in listed.text
    assert "Shipped" in listed.text
    csrf = csrf_of(listed.text)

    good = yaml.safe_dump({"frameworks": {"web_flow": edition()}}, sort_keys=False)
    # YAML as a council writes it: the date unquoted.
    good = good.replace("'2027-04-01'", "2027-04-01")
    loaded = admin.post(PAGE, data={"csrf_token": csrf, "document": good})
    assert loaded.status_code == 200, loaded.text[:3000]
    assert "Task frameworks loaded" in loaded.text
    assert "web_flow/england/2027-04-01: version 1 (added)" in loaded.text
    assert "web_flow" in loaded.text.split('id="editions"')[1]
    assert stored_ids(admin, "web_flow") == ["web_flow/england/2027-04-01"]

    bad = {
        "frameworks": {
            "web_flow": edition(tasks=[{"key": "contact", "name": "Phone the applicant"}]),
            "welsh_flow": edition(nations=["cymru"]),
            "backwards_flow": edition(effective_to="2027-01-01"),
            "looping_flow": edition(
                tasks=[
                    {"key": "a", "name": "A", "depends_on": [{"task": "b"}]},
                    {"key": "b", "name": "B", "depends_on": [{"task": "a", "type": "sideways"}]},
                ]
            ),
        }
    }
    typed = yaml.safe_dump(bad, sort_keys=False)
    refused = admin.post(PAGE, data={"csrf_token": csrf, "document": typed})
    assert refused.status_code == 400, refused.text[:3000]
    summary = refused.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    for path in (
        "frameworks.welsh_flow.nations: &#39;cymru&#39; is not a nation",
        "frameworks.backwards_flow.effective_to: 2027-01-01 is before effective_from",
        "frameworks.looping_flow.tasks: b: unknown link type &#39;sideways&#39;",
    ):
        assert path in summary
    assert "<title>Error:" in refused.text
    # What was typed is still in the box, to be put right.
    assert "Phone the applicant" in refused.text and "sideways" in refused.text
    # Nothing of it was stored, not even the good new version of web_flow.
    again = admin.get("/api/v1/task-frameworks", params={"workflow": "web_flow"}).json()
    assert [item["version"] for item in again["items"]] == [1]
    assert stored_ids(admin, "welsh_flow") == []

    broken = admin.post(PAGE, data={"csrf_token": csrf, "document": "frameworks: [x"})
    assert broken.status_code == 400 and "not valid YAML or JSON at line" in broken.text
    assert "frameworks: [x" in broken.text
    empty = admin.post(PAGE, data={"csrf_token": csrf, "document": "  "})
    assert empty.status_code == 400 and "Enter the frameworks, or choose a file" in empty.text


def test_an_admin_uploads_a_file_instead(front):
    admin = sign_in_staff(front, "local-admin")
    admin.headers["Origin"] = front.url
    csrf = csrf_of(admin.get(PAGE).text)
    changed = edition(tasks=[{"key": "contact", "name": "Call the applicant today"}])
    document = yaml.safe_dump({"frameworks": {"upload_flow": changed}})
    uploaded = admin.post(
        PAGE,
        data={"csrf_token": csrf, "document": ""},
        files={"file": ("ours.yaml", document.encode(), "application/yaml")},
    )
    assert uploaded.status_code == 200, uploaded.text[:3000]
    assert "upload_flow/england/2027-04-01: version 1 (added)" in uploaded.text
    # Loaded again, changed: a new version.
    again = document.replace("Call the applicant today", "Call the applicant within the hour")
    newer = admin.post(
        PAGE,
        data={"csrf_token": csrf},
        files={"file": ("ours.yaml", again.encode(), "application/yaml")},
    )
    assert "upload_flow/england/2027-04-01: version 2 (a new version)" in newer.text
    not_text = admin.post(
        PAGE,
        data={"csrf_token": csrf},
        files={"file": ("ours.yaml", b"\xff\xfe\x00bad", "application/yaml")},
    )
    assert not_text.status_code == 400 and 'href="#file"' in not_text.text
    assert "The file must be text (UTF-8)" in not_text.text
    # A multipart form without the session's token is refused like any other.
    forged = admin.post(
        PAGE,
        data={"csrf_token": "not-the-token"},
        files={"file": ("ours.yaml", document.encode(), "application/yaml")},
        headers={"X-CSRF-Token": ""},
    )
    assert forged.status_code == 403


def test_a_caseworker_may_not_see_or_load_frameworks(front):
    officer = sign_in_staff(front, "local-caseworker")
    officer.headers["Origin"] = front.url
    page = officer.get(PAGE)
    assert page.status_code == 403 and "Not allowed" in page.text
    csrf = officer.headers["X-CSRF-Token"]
    document = yaml.safe_dump({"frameworks": {"sneaky_flow": edition()}})
    refused = officer.post(PAGE, data={"csrf_token": csrf, "document": document})
    assert refused.status_code == 403
    assert officer.get("/api/v1/task-frameworks").status_code == 403
    posted = officer.post(
        "/api/v1/task-frameworks", json={"frameworks": {"sneaky_flow": edition()}}
    )
    assert posted.status_code == 403 and posted.json()["code"] == "forbidden"


def test_the_task_frameworks_resources(front):
    admin = sign_in_staff(front, "local-admin")
    first = admin.get("/api/v1/task-frameworks", params={"page_size": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["page"] == 1 and body["page_size"] == 2 and len(body["items"]) == 2
    assert body["total"] > 2
    item = body["items"][0]
    assert set(item) >= {
        "id",
        "workflow",
        "nations",
        "effective_from",
        "effective_to",
        "version",
        "origin",
        "updated_at",
        "task_count",
        "duty_task_counts",
    }
    assert admin.get("/api/v1/task-frameworks", params={"page_size": 101}).status_code == 422

    created = admin.post("/api/v1/task-frameworks", json={"frameworks": {"api_flow": edition()}})
    assert created.status_code == 201, created.text
    (loaded,) = created.json()["editions"]
    assert (loaded["id"], loaded["change"], loaded["origin"]) == (
        "api_flow/england/2027-04-01",
        "added",
        "council",
    )
    assert (loaded["task_count"], loaded["duty_task_counts"]) == (2, {"relief": 1})

    wrong = admin.post(
        "/api/v1/task-frameworks",
        json={"frameworks": {"api_flow": edition(nations=["atlantis"], colour="blue")}},
    )
    assert wrong.status_code == 422, wrong.text
    problem = wrong.json()
    assert problem["code"] == "validation_failed"
    assert set(problem["errors"]) == {
        "document.frameworks.api_flow.nations",
        "document.frameworks.api_flow.colour",
    }
