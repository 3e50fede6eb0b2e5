"""Every service running: a team leader assigns a case to a caseworker, and the case's tasks that
follow the case owner (the starter frameworks' ``case_owner``) become the caseworker's, so "my
work" finds them, over the API and on the /work page; the team's tasks stay the team's."""

from __future__ import annotations

import time

import pytest

from tests.gateway.conftest import sign_in_staff, submitted_case

pytestmark = pytest.mark.e2e

CASEWORKER = "officer:local-caseworker"


def test_assigning_a_case_gives_its_case_owner_tasks_to_the_new_owner(front):
    officer = sign_in_staff(front, "local-caseworker")
    case = submitted_case(front, officer, "owner.follow@example.org")
    reference = case["reference"]
    before = officer.get(f"/api/v1/cases/{reference}/tasks").json()
    following = sorted(t["key"] for t in before if t["owner"] is None)
    assert following, before  # the starter frameworks give most tasks to the case owner
    team_tasks = {t["key"]: t["owner"] for t in before if t["owner"] is not None}

    leader = sign_in_staff(front, "local-team-leader")
    assigned = leader.put(f"/api/v1/cases/{reference}/owner", json={"owner": CASEWORKER})
    assert assigned.status_code == 200, assigned.text

    deadline = time.monotonic() + 60
    while True:
        mine = officer.get("/api/v1/tasks", params={"mine": "true", "page_size": 100}).json()
        found = sorted(t["key"] for t in mine["items"] if t["case_reference"] == reference)
        if found == following:
            break
        assert time.monotonic() < deadline, mine
        time.sleep(0.3)
    after = officer.get(f"/api/v1/cases/{reference}/tasks").json()
    assert {t["key"]: t["owner"] for t in after if t["key"] in team_tasks} == team_tasks
    assert all(owner.startswith("team:") for owner in team_tasks.values())
    page = officer.get("/work")
    assert page.status_code == 200 and reference in page.text
