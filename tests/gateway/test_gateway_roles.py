"""Every endpoint with each role, against the running services: the gateway authenticates and
passes the identity on; the answer to "may they?" is each service's own rule (services/*/
policy.py), so this test reads the rules rather than repeating them. Nobody signed in gets 401
everywhere; a role a rule does not name gets 403; a caseworker of another team gets 403 on
anything of this case; a role a rule names is never refused.

The bodies pass the gateway's own checks. Most fail the services' (a move the case cannot make,
an id that does not exist...); the few that succeed for the first role allowed (a note, a task,
closing then reopening the case) leave the case open as it was.

The services check a request's shape before whose case it is, so a request refused for its shape
is a 422 to anyone allowed the call at all: that says nothing about the case."""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass

import pytest

from shared.clock import london_today
from tests.gateway.conftest import sign_in_customer, sign_in_staff
from tests.scenarios import section_8

pytestmark = pytest.mark.integration

TEMPLATE = "housing-options-enquiry"
STAFF = {
    "caseworker": "local-caseworker",
    "team_leader": "local-team-leader",
    "admin": "local-admin",
    "auditor": "local-auditor",
    "other_team": "local-caseworker-other-team",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    service: str
    rpc: str
    body: dict | None = None
    # Refused to an officer of another team: it concerns this case.
    this_case: bool = False


def endpoints(case: dict, pack_id: str) -> list[Endpoint]:
    ref, case_id, enquiry = case["reference"], case["id"], case["enquiry_id"]
    old = "2000-01-01"
    return [
        Endpoint("GET", "/api/v1/templates", "enquiry", "list_templates"),
        Endpoint("GET", f"/api/v1/templates/{TEMPLATE}", "enquiry", "get_template"),
        Endpoint("POST", "/api/v1/templates", "enquiry", "publish_template", {"key": ""}),
        Endpoint("POST", "/api/v1/enquiries", "enquiry", "start_enquiry", {"template_key": "none"}),
        Endpoint("GET", f"/api/v1/enquiries/{enquiry}", "enquiry", "get_enquiry"),
        Endpoint(
            "POST",
            "/api/v1/enquiry-submissions",
            "enquiry",
            "submit_enquiry",
            {"template_key": "none", "answers": {}},
        ),
        Endpoint(
            "PUT",
            f"/api/v1/enquiries/{enquiry}/answers",
            "enquiry",
            "save_answers",
            {"answers": {"postcode": "x"}},
        ),
        Endpoint(
            "POST", f"/api/v1/enquiries/{enquiry}/submission", "enquiry", "submit_enquiry", {}
        ),
        Endpoint(
            "PUT",
            f"/api/v1/enquiries/{enquiry}/workflow",
            "enquiry",
            "change_workflow",
            {"workflow": "nowhere", "reason": "testing"},
        ),
        Endpoint(
            "GET",
            f"/api/v1/enquiries/{enquiry}/case",
            "cases",
            "get_case_for_enquiry",
            this_case=True,
        ),
        Endpoint("GET", "/api/v1/cases", "cases", "list_cases"),
        Endpoint("GET", f"/api/v1/cases/{ref}", "cases", "get_case", this_case=True),
        Endpoint(
            "POST",
            f"/api/v1/cases/{ref}/stage",
            "cases",
            "change_stage",
            {"stage": "review"},
            this_case=True,
        ),
        Endpoint(
            "POST",
            f"/api/v1/cases/{ref}/duty-endings",
            "cases",
            "end_duty",
            {"ground": "nowhere", "notified_on": old, "reason": "testing"},
            this_case=True,
        ),
        Endpoint(
            "POST",
            f"/api/v1/cases/{ref}/plan-decisions",
            "cases",
            "record_plan_decision",
            {"notified_on": old},
            this_case=True,
        ),
        Endpoint(
            "POST",
            f"/api/v1/cases/{ref}/non-cooperation-notices",
            "cases",
            "propose_non_cooperation_notice",
            {"grade": "officer", "warning_given_on": old, "reason": "testing"},
            this_case=True,
        ),
        Endpoint(
            "POST",
            f"/api/v1/cases/{ref}/non-cooperation-notices/none/authorisation",
            "cases",
            "authorise_non_cooperation_notice",
            {"grade": "team_leader"},
            this_case=True,
        ),
        Endpoint(
            "POST",
            f"/api/v1/cases/{ref}/clock-corrections",
            "cases",
            "correct_clock_start",
            {"clock": "relief_duty", "starts_on": old, "reason": "testing"},
            this_case=True,
        ),
        Endpoint(
            "PUT",
            f"/api/v1/cases/{ref}/owner",
            "cases",
            "assign_case",
            {"owner": "nobody"},
            this_case=True,
        ),
        Endpoint(
            "POST",
            f"/api/v1/cases/{ref}/notes",
            "cases",
            "add_note",
            {"text": "Matrix note"},
            this_case=True,
        ),
        Endpoint(
            "POST",
            f"/api/v1/cases/{ref}/closure",
            "cases",
            "close_case",
            {"outcome": "withdrawn", "reason": "testing"},
            this_case=True,
        ),
        Endpoint(
            "POST",
            f"/api/v1/cases/{ref}/reopening",
            "cases",
            "reopen_case",
            {"reason": "testing"},
            this_case=True,
        ),
        Endpoint("GET", f"/api/v1/cases/{ref}/timeline", "cases", "get_timeline", this_case=True),
        Endpoint(
            "GET",
            f"/api/v1/cases/{case_id}/timeline/verification",
            "cases",
            "verify_timeline",
            this_case=False,
        ),
        Endpoint(
            "GET",
            "/api/v1/law-changes?nation=england&on=2026-05-01",
            "cases",
            "cases_affected_by_law_change",
        ),
        Endpoint("GET", "/api/v1/tasks", "tasks", "find_tasks"),
        Endpoint("GET", f"/api/v1/cases/{case_id}/tasks", "tasks", "list_tasks", this_case=True),
        Endpoint(
            "POST",
            f"/api/v1/cases/{case_id}/tasks",
            "tasks",
            "add_task",
            {
                "name": "Matrix",
                "owner": "team:housing-options",
                "due_in": {"amount": 1, "unit": "days"},
            },
            this_case=True,
        ),
        Endpoint("POST", "/api/v1/tasks/no-such-task/start", "tasks", "start_task"),
        Endpoint(
            "POST",
            "/api/v1/tasks/no-such-task/completion",
            "tasks",
            "complete_task",
            {"outcome": "x"},
        ),
        Endpoint("POST", "/api/v1/tasks/no-such-task/hold", "tasks", "hold_task", {"reason": "x"}),
        Endpoint("POST", "/api/v1/tasks/no-such-task/release", "tasks", "release_task"),
        Endpoint(
            "PUT", "/api/v1/tasks/no-such-task/owner", "tasks", "reassign_task", {"owner": "x"}
        ),
        Endpoint(
            "POST",
            "/api/v1/tasks/no-such-task/cancellation",
            "tasks",
            "cancel_task",
            {"reason": "x"},
        ),
        Endpoint("GET", "/api/v1/closure-days", "tasks", "list_closure_days"),
        Endpoint("GET", "/api/v1/task-frameworks", "tasks", "list_frameworks"),
        Endpoint("POST", "/api/v1/task-frameworks", "tasks", "load_frameworks", {"frameworks": {}}),
        Endpoint(
            "POST",
            "/api/v1/closure-days",
            "tasks",
            "add_closure_day",
            {"day": "2000-01-03", "reason": "Matrix test"},
        ),
        Endpoint(
            "GET",
            f"/api/v1/cases/{case_id}/documents",
            "documents",
            "list_documents",
            this_case=True,
        ),
        Endpoint(
            "POST",
            f"/api/v1/cases/{case_id}/documents",
            "documents",
            "regenerate",
            {"kind": "nowhere"},
            this_case=True,
        ),
        Endpoint("GET", "/api/v1/letter-types", "documents", "list_letter_types"),
        Endpoint(
            "GET", f"/api/v1/documents/{pack_id}", "documents", "get_document", this_case=True
        ),
        Endpoint("GET", "/api/v1/statements", "advice", "list_statements"),
        Endpoint("GET", "/api/v1/statements/contact-us-early", "advice", "get_statement"),
        Endpoint(
            "PUT",
            "/api/v1/statements/matrix-statement",
            "advice",
            "save_statement",
            {"title": ""},
        ),
        Endpoint("GET", "/api/v1/workflows", "advice", "list_workflows"),
    ]


def allowed_roles(endpoint: Endpoint) -> frozenset[str]:
    policy = importlib.import_module(f"services.{endpoint.service}.policy").POLICY
    return policy.rule_for(endpoint.rpc).roles


@pytest.fixture(scope="module")
def world(front):
    """A customer's submitted enquiry with its case and pack, and a browser per role."""
    customer = sign_in_customer(front, "matrix.customer@example.org")
    submitted = customer.post("/api/v1/enquiries", json={"template_key": TEMPLATE}).json()
    answer = customer.post(
        f"/api/v1/enquiries/{submitted['id']}/submission",
        json={"answers": section_8(london_today())},
    )
    assert answer.status_code == 200, answer.text
    officer = sign_in_staff(front, STAFF["caseworker"])
    deadline = time.monotonic() + 90
    while True:
        case = customer.get(f"/api/v1/enquiries/{submitted['id']}/case")
        documents = officer.get(f"/api/v1/cases/{case.json().get('id', 'x')}/documents")
        packs = (
            [d for d in documents.json() if d["kind"] == "information_pack"]
            if (documents.status_code == 200)
            else []
        )
        if packs:
            break
        assert time.monotonic() < deadline, (case.text, documents.text, front.log())
        time.sleep(0.5)
    browsers = {"customer": customer, "anonymous": front.client()}
    browsers.update({role: sign_in_staff(front, user) for role, user in STAFF.items()})
    return {**case.json(), "enquiry_id": submitted["id"]}, packs[0]["id"], browsers


def test_every_endpoint_with_each_role(world):
    case, pack_id, browsers = world
    surprises = []
    for endpoint in endpoints(case, pack_id):
        allowed = allowed_roles(endpoint)
        for who, browser in browsers.items():
            answer = browser.request(endpoint.method, endpoint.path, json=endpoint.body)
            role = "caseworker" if who == "other_team" else who
            if who == "anonymous":
                expected = "401"
            elif role not in allowed or who == "other_team" and endpoint.this_case:
                expected = "403"
            else:
                expected = "not 401/403"
            ok = (
                answer.status_code not in (401, 403)
                if expected.startswith("not")
                else str(answer.status_code) == expected
            )
            # Never an unexpected error, whoever asks.
            ok = ok and answer.status_code < 500
            if not ok:
                surprises.append(
                    f"{who} {endpoint.method} {endpoint.path}: {answer.status_code}"
                    f" (expected {expected}) {answer.text[:200]}"
                )
            if answer.status_code in (401, 403, 404, 409, 422):
                assert answer.headers["content-type"] == "application/problem+json"
    assert not surprises, "\n".join(surprises)
