"""The end-to-end flow through HTTP only, as the front ends will drive it: a customer signs in
with an emailed link and submits an enquiry; a caseworker signs in through the identity provider
(authorization code with PKCE), finds the case, takes it into the prevention duty and works it;
both download the information pack."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from shared.clock import london_today
from tests.gateway.conftest import sign_in_customer, sign_in_staff
from tests.scenarios import section_8

pytestmark = pytest.mark.e2e

TEMPLATE = "housing-options-enquiry"


def wait_for(fetch, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        answer = fetch()
        if answer.status_code == 200:
            return answer.json()
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {answer.status_code} {answer.text}")
        time.sleep(0.3)


def test_a_customer_applies_and_a_caseworker_takes_the_case_through_prevention(front):
    today = london_today()
    customer = sign_in_customer(front, "jo.journey@example.org")

    # The form, a draft saved in two steps, then the submission.
    form = customer.get(f"/api/v1/templates/{TEMPLATE}")
    assert form.status_code == 200, form.text
    answers = section_8(today)
    started = customer.post(
        "/api/v1/enquiries",
        json={"template_key": TEMPLATE},
        headers={"Idempotency-Key": "journey-1"},
    )
    assert started.status_code == 201, started.text
    enquiry_id = started.json()["id"]
    again = customer.post(
        "/api/v1/enquiries",
        json={"template_key": TEMPLATE},
        headers={"Idempotency-Key": "journey-1"},
    )
    assert again.json()["id"] == enquiry_id  # the same key: the same draft, not a second one
    first_half = dict(list(answers.items())[: len(answers) // 2])
    saved = customer.put(f"/api/v1/enquiries/{enquiry_id}/answers", json={"answers": first_half})
    assert saved.status_code == 200, saved.text
    assert saved.json()["progress"]["missing_required"]
    bad = customer.put(
        f"/api/v1/enquiries/{enquiry_id}/answers", json={"answers": {"postcode": "not a postcode"}}
    )
    assert bad.status_code == 422
    assert "answers.postcode" in bad.json()["errors"]
    submitted = customer.post(
        f"/api/v1/enquiries/{enquiry_id}/submission", json={"answers": answers}
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["workflow"] == "private_rented_eviction"
    # A submission sent again (a retry after a lost answer) is the same submission.
    twice = customer.post(f"/api/v1/enquiries/{enquiry_id}/submission", json={})
    assert twice.status_code == 200
    assert twice.json()["submitted_at"] == submitted.json()["submitted_at"]

    # The customer's own page: the case opens a moment after submission.
    case = wait_for(lambda: customer.get(f"/api/v1/enquiries/{enquiry_id}/case"), "case")
    reference = case["reference"]
    assert "notes" not in case and "owner" not in case  # the customer's view

    # A caseworker signs in through the identity provider and finds the case.
    officer = sign_in_staff(front, "local-caseworker")
    found = officer.get("/api/v1/cases", params={"reference": reference})
    assert found.status_code == 200, found.text
    assert [c["reference"] for c in found.json()["items"]] == [reference]
    full = officer.get(f"/api/v1/cases/{reference}").json()
    assert full["stage"] == "triage" and full["team"] == "housing-options"

    # Into the prevention duty, which begins today (never a day in the future).
    tomorrow = (today + timedelta(days=1)).isoformat()
    future = officer.post(
        f"/api/v1/cases/{reference}/stage", json={"stage": "prevention", "duty_start_on": tomorrow}
    )
    assert future.status_code == 422 and "duty_start_on" in future.json()["errors"]
    moved = officer.post(
        f"/api/v1/cases/{reference}/stage",
        json={"stage": "prevention", "duty_start_on": today.isoformat()},
    )
    assert moved.status_code == 200, moved.text
    case = officer.get(f"/api/v1/cases/{reference}").json()
    (clock,) = case["clocks"]
    assert (clock["kind"], clock["starts_on"]) == ("prevention_duty", today.isoformat())
    # 56 days beginning with today: the last day is today + 55.
    assert clock["due_on"] == (today + timedelta(days=55)).isoformat()

    note = officer.post(
        f"/api/v1/cases/{reference}/notes",
        json={"text": "Landlord contacted about the arrears."},
        headers={"Idempotency-Key": "note-journey-1"},
    )
    assert note.status_code == 201, note.text
    repeat = officer.post(
        f"/api/v1/cases/{reference}/notes",
        json={"text": "Landlord contacted about the arrears."},
        headers={"Idempotency-Key": "note-journey-1"},
    )
    assert repeat.json()["id"] == note.json()["id"]
    plan = officer.post(
        f"/api/v1/cases/{reference}/plan-decisions", json={"notified_on": today.isoformat()}
    )
    assert plan.status_code == 200, plan.text

    # The case's tasks; the caseworker starts and completes one.
    tasks = wait_for(lambda: officer.get(f"/api/v1/cases/{reference}/tasks"), "tasks")
    active = next(t for t in tasks if t["status"] == "active")
    assert officer.post(f"/api/v1/tasks/{active['task_id']}/start").status_code == 200
    done = officer.post(
        f"/api/v1/tasks/{active['task_id']}/completion", json={"outcome": "Done by phone"}
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"

    # The information pack: PDF and HTML, for the officer and for the customer.
    def pack_listed():
        answer = officer.get(f"/api/v1/cases/{reference}/documents")
        if answer.status_code == 200 and not any(
            d["kind"] == "information_pack" for d in answer.json()
        ):
            answer.status_code = 404
        return answer

    documents = wait_for(pack_listed, "the information pack")
    pack = next(d for d in documents if d["kind"] == "information_pack")
    pdf = officer.get(f"/api/v1/documents/{pack['id']}")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment; filename=")
    assert reference in pdf.headers["content-disposition"]
    assert pdf.content.startswith(b"%PDF")
    page = officer.get(f"/api/v1/documents/{pack['id']}", params={"edition": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "sandbox" in page.headers["content-security-policy"]
    mine = customer.get("/api/v1/me/enquiries").json()
    assert [m["case"]["reference"] for m in mine] == [reference]
    # Their next steps: the tasks that are theirs to do, and nothing of the officers'.
    own_tasks = mine[0]["case"]["tasks"]
    assert [t["key"] for t in own_tasks] == ["provide_documents"], own_tasks
    own_pdf = customer.get(f"/api/v1/documents/{pack['id']}")
    assert own_pdf.status_code == 200 and own_pdf.content.startswith(b"%PDF")

    # Everything above is on the case's audit trail, and the chain holds.
    timeline = officer.get(f"/api/v1/cases/{reference}/timeline").json()
    actions = {entry["action"] for entry in timeline}
    assert {"case.opened", "case.stage_changed", "case.note_added"} <= actions
    assert any(e["actor"] == "officer:local-caseworker" for e in timeline)
    # Checking the chain is a team leader's.
    refused = officer.get(f"/api/v1/cases/{reference}/timeline/verification")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    leader = sign_in_staff(front, "local-team-leader")
    verified = leader.get(f"/api/v1/cases/{reference}/timeline/verification").json()
    assert verified["valid"] is True, verified
