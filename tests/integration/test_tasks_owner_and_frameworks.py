"""The tasks service over the real broker and database: tasks following their case's owner
(case.assigned, redelivered, out of order, with two replicas, and a task reassigned by hand
that no longer follows), the admins' task frameworks RPCs and their rule, and migration 0008,
which marks the stored tasks that follow the case owner."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from nameko.testing.services import entrypoint_waiter

from services.tasks.service import TasksService
from shared.clock import isoformat, utcnow
from shared.db import create_engine_for
from shared.errors import Forbidden, ValidationFailed
from shared.identity import ADMIN, AUDITOR, CASEWORKER, TEAM_LEADER
from shared.migrations import alembic_config
from tests.identity import SignedRpc
from tests.integration.helpers import publish, rows
from tests.integration.test_tasks_service import (
    case_event,
    case_opened,
    install_framework,
    start_tasks,
)
from tests.recorder import of_type, wait_for

pytestmark = pytest.mark.integration

FRAMEWORK = {
    "frameworks": {
        "owned_flow": {
            "nations": ["england"],
            "effective_from": "2018-04-03",
            "tasks": [
                {"key": "call", "name": "Call", "due_in": {"amount": 2, "unit": "days"}},
                {"key": "assess", "name": "Assess", "owner": "case_owner"},
                {"key": "triage", "name": "Triage", "owner": "team:triage"},
            ],
        }
    }
}


@pytest.fixture
def tasks(container_factory, service_config):
    return start_tasks(container_factory, service_config, FRAMEWORK)


def open_case(container, config):
    opened = case_opened("owned_flow")
    with entrypoint_waiter(container, "create_tasks_for_case"):
        publish(config, opened)
    return opened


def assigned(opened, owner, time):
    return case_event(
        opened, "case.assigned", "triage", isoformat(time), owner=owner, previous_owner=None
    )


def owners(rpc, case_id):
    return {t["key"]: t["owner"] for t in rpc.tasks.list_tasks(case_id)}


def test_tasks_follow_the_case_owner_until_reassigned_by_hand(tasks):
    container, config, received = tasks
    opened = open_case(container, config)
    case_id = opened.data["case_id"]
    now = utcnow()
    to_ann = assigned(opened, "officer:ann", now)
    for _ in range(2):  # redelivered: the inbox applies it once
        with entrypoint_waiter(container, "follow_case_assigned"):
            publish(config, to_ann)
    with SignedRpc(config) as rpc:
        assert owners(rpc, case_id) == {
            "call": "officer:ann",
            "assess": "officer:ann",
            "triage": "team:triage",
        }
        # My work finds them now.
        mine = rpc.tasks.find_tasks({"owner": "officer:ann"})
        assert sorted(t["key"] for t in mine["items"]) == ["assess", "call"]
        reassigned = wait_for(lambda: len(of_type(received, "task.reassigned")) == 2)
        assert reassigned
        events = of_type(received, "task.reassigned")
        assert {e["causation_id"] for e in events} == {to_ann.id}
        assert {e["data"]["task"]["revision"] for e in events} == {2}

        # An assignment published before the one applied, arriving late, changes nothing.
        with entrypoint_waiter(container, "follow_case_assigned"):
            publish(config, assigned(opened, "officer:old", now - timedelta(minutes=10)))
        assert owners(rpc, case_id)["call"] == "officer:ann"

        # A team leader gives one task to someone else: it stops following the case.
        call = next(t for t in rpc.tasks.list_tasks(case_id) if t["key"] == "call")
        rpc.tasks.reassign_task({"task_id": call["task_id"], "owner": "officer:bob"})
        with entrypoint_waiter(container, "follow_case_assigned"):
            publish(config, assigned(opened, "team:housing-options", now + timedelta(seconds=5)))
        assert owners(rpc, case_id) == {
            "call": "officer:bob",
            "assess": "team:housing-options",
            "triage": "team:triage",
        }
    rows_of_case = rows(
        config["DATABASE_URL"],
        f"SELECT owner FROM task_cases WHERE case_id = '{case_id}'",
    )
    assert rows_of_case == [("team:housing-options",)]


def test_an_assignment_that_overtakes_the_case_opening_waits_for_it(tasks):
    container, config, _ = tasks
    opened = case_opened("owned_flow")
    with entrypoint_waiter(container, "follow_case_assigned"):
        publish(config, assigned(opened, "officer:ann", utcnow()))
    with entrypoint_waiter(container, "create_tasks_for_case"):
        publish(config, opened)
    # Delivered again once the case is known (EVENT_WAIT_FIRST_DELAY_SECONDS, 2 s by default).
    with SignedRpc(config) as rpc:
        wait_for(lambda: owners(rpc, opened.data["case_id"])["call"] == "officer:ann", timeout=30)


def test_two_replicas_end_with_the_latest_owner(container_factory, service_config):
    config = service_config("tasks")
    first = container_factory(TasksService, config)
    second = container_factory(TasksService, config)
    first.start()
    install_framework(config["DATABASE_URL"], FRAMEWORK)
    second.start()
    cases = [case_opened("owned_flow") for _ in range(5)]
    for opened in cases:
        publish(config, opened)
    wait_for(lambda: rows(config["DATABASE_URL"], "SELECT count(*) FROM tasks") == [(15,)])
    now = utcnow()
    for opened in cases:
        # Either replica may take either event; the later one wins whichever is applied first.
        publish(config, assigned(opened, "officer:first", now))
        publish(config, assigned(opened, "officer:second", now + timedelta(seconds=1)))
    query = "SELECT owner, count(*) FROM tasks WHERE follows_case_owner GROUP BY owner"
    wait_for(lambda: rows(config["DATABASE_URL"], query) == [("officer:second", 10)], timeout=30)


# --- the task frameworks admins list and load -------------------------------------------------

COUNCIL_EDITION = {
    "nations": ["england"],
    "effective_from": "2027-01-01",
    "tasks": [{"key": "contact", "name": "Contact the applicant"}],
    "on_duty": {"relief": [{"key": "assess", "name": "Assess"}]},
}


def test_admins_load_and_list_frameworks_and_others_are_refused(tasks):
    _, config, received = tasks
    with SignedRpc(config, roles=[ADMIN]) as admin:
        loaded = admin.tasks.load_frameworks({"document": {"frameworks": {"own": COUNCIL_EDITION}}})
        (edition,) = loaded["editions"]
        assert edition["id"] == "own/england/2027-01-01"
        assert (edition["change"], edition["version"], edition["origin"]) == (
            "added",
            1,
            "council",
        )
        assert edition["task_count"] == 1 and edition["duty_task_counts"] == {"relief": 1}

        bad = {
            "frameworks": {
                "fine": COUNCIL_EDITION,
                "welsh": {**COUNCIL_EDITION, "nations": ["cymru"]},
                "backwards": {**COUNCIL_EDITION, "effective_to": "2026-01-01"},
            }
        }
        with pytest.raises(ValidationFailed) as refused:
            admin.tasks.load_frameworks({"document": bad})
        assert sorted(refused.value.field_errors) == [
            "document.frameworks.backwards.effective_to",
            "document.frameworks.welsh.nations",
        ]

        # The shipped frameworks too (loaded on start), by workflow, a page at a time.
        first = admin.tasks.list_frameworks({"page_size": 1})
        total = first["total"]
        assert total > 2 and len(first["items"]) == 1
        pages = [
            admin.tasks.list_frameworks({"page": page, "page_size": 100})["items"]
            for page in range(1, total // 100 + 2)
        ]
        ids = [e["id"] for page in pages for e in page]
        assert len(ids) == total and "own/england/2027-01-01" in ids
        assert ids.index("owned_flow/england/2018-04-03") > ids.index("own/england/2027-01-01")
        # Nothing of the rejected document was stored, not even its good edition.
        assert admin.tasks.list_frameworks({"workflow": "fine"})["total"] == 0
        with pytest.raises(ValidationFailed):
            admin.tasks.list_frameworks({"page_size": 101})

    for role in (CASEWORKER, TEAM_LEADER, AUDITOR):
        with SignedRpc(config, roles=[role]) as other:
            with pytest.raises(Forbidden, match="load_frameworks: not allowed for"):
                other.tasks.load_frameworks({"document": {"frameworks": {"own": COUNCIL_EDITION}}})
            with pytest.raises(Forbidden, match="list_frameworks: not allowed for"):
                other.tasks.list_frameworks()
    audited = wait_for(
        lambda: [
            e["data"]
            for e in of_type(received, "audit.recorded")
            if e["data"]["action"].startswith("task_framework.")
        ]
    )
    assert [(e["action"], e["entity_id"]) for e in audited] == [
        ("task_framework.added", "own/england/2027-01-01")
    ]


# --- migration 0008 ---------------------------------------------------------------------------


def test_migration_0008_marks_the_stored_tasks_that_follow_the_case_owner(make_database_url):
    url = make_database_url("tasks")
    command.upgrade(alembic_config("tasks", url), "0007")
    engine = create_engine_for(url)
    tasks = sa.table(
        "tasks",
        *(
            sa.column(name)
            for name in (
                "id",
                "case_id",
                "case_reference",
                "correlation_id",
                "workflow",
                "template_key",
                "position",
                "kind",
                "mandatory",
                "name",
                "status",
                "customer_facing",
                "revision",
                "owner",
            )
        ),
        sa.column("definition", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    stored = {
        # key: (definition's owner rule, owner now)
        "implicit": (None, None),
        "explicit": ("case_owner", None),
        "by_hand": ("case_owner", "officer:bob"),
        "team": ("team:triage", "team:triage"),
        "adhoc": ("officer:7", "officer:7"),
    }
    case_id = str(uuid.uuid4())
    try:
        with engine.begin() as connection:
            connection.execute(
                tasks.insert(),
                [
                    {
                        "id": str(uuid.uuid4()),
                        "case_id": case_id,
                        "case_reference": "HO-2026-000001",
                        "correlation_id": "c",
                        "workflow": "owned_flow",
                        "template_key": key,
                        "position": position,
                        "kind": "framework",
                        "mandatory": False,
                        "name": key,
                        "status": "active",
                        "customer_facing": False,
                        "revision": 1,
                        "owner": owner,
                        "definition": {"key": key, "name": key} | ({"owner": rule} if rule else {}),
                        "created_at": utcnow(),
                    }
                    for position, (key, (rule, owner)) in enumerate(stored.items())
                ],
            )
        command.upgrade(alembic_config("tasks", url), "head")
        following = rows(url, "SELECT template_key FROM tasks WHERE follows_case_owner")
        assert sorted(key for (key,) in following) == ["explicit", "implicit"]
        assert rows(url, "SELECT count(*) FROM task_cases WHERE owner IS NOT NULL") == [(0,)]
        command.downgrade(alembic_config("tasks", url), "0007")
        assert rows(url, "SELECT count(*) FROM tasks") == [(5,)]
    finally:
        engine.dispose()
