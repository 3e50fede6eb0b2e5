"""Tasks that follow their case's owner (case.assigned), and the task frameworks an admin lists
and loads: the pure rules, then the use cases on an in-memory unit of work with a fake
publisher (the broker wiring: tests/integration/test_tasks_owner_and_frameworks.py)."""

import uuid
from datetime import timedelta

import pytest
import yaml

from services.cases.operations import DEFAULT_TEAM
from services.tasks import commands, domain, duties, operations
from services.tasks.models import TaskFramework, metadata
from services.tasks.schemas import (
    MAX_FRAMEWORK_PAGE,
    CaseAssignedData,
    ListFrameworksSchema,
    LoadFrameworksSchema,
)
from services.tasks.seed import SEED, SEED_DIR, load_frameworks
from shared.clock import isoformat, london_today, utcnow
from shared.envelope import Envelope
from shared.errors import Conflict, NotYet, ValidationFailed
from shared.validation import load
from tests.unit.fakes import FakeDispatch, memory_uow, run

NATION = "england_wales"
ADMIN = "officer:admin"
LEADER = "officer:leader"
FRAMEWORK = {
    "frameworks": {
        "owned_flow": {
            "nations": ["england"],
            "effective_from": "2018-04-03",
            "tasks": [
                # No owner: the case owner's, as ``owner: case_owner``.
                {"key": "call", "name": "Call", "due_in": {"amount": 2, "unit": "days"}},
                {
                    "key": "assess",
                    "name": "Assess",
                    "owner": "case_owner",
                    "due_in": {"amount": 2, "unit": "days"},
                },
                {"key": "triage", "name": "Triage", "owner": "team:triage"},
                {"key": "later", "name": "Later", "depends_on": [{"task": "call"}]},
            ],
            "on_duty": {"prevention": [{"key": "plan", "name": "Plan"}]},
        }
    }
}


# --- the pure rules ---------------------------------------------------------------------------


def test_the_case_owner_rule_takes_the_case_owner_and_the_others_name_theirs():
    assert domain.follows_case_owner("case_owner")
    assert not domain.follows_case_owner("team:x") and not domain.follows_case_owner("role:x")
    assert domain.initial_owner("case_owner") is None
    assert domain.initial_owner("case_owner", "officer:ann") == "officer:ann"
    assert domain.initial_owner("team:triage", "officer:ann") == "team:triage"
    # A framework task without an owner follows the case owner.
    assert domain.TaskTemplate.parse({"key": "k", "name": "n"}).owner == domain.CASE_OWNER


def test_a_case_assignment_needs_an_owner_of_the_right_shape():
    good = {"case_id": "c-1", "owner": "officer:ann", "previous_owner": None, "stage": "triage"}
    assert load(CaseAssignedData(), good)["owner"] == "officer:ann"
    for owner in ("ann", "", "officer:", "officer:a b"):
        with pytest.raises(ValidationFailed) as refused:
            load(CaseAssignedData(), {**good, "owner": owner})
        assert list(refused.value.field_errors) == ["owner"]


def test_framework_requests_load_into_commands_with_a_page_size_limit():
    listed = load(ListFrameworksSchema(), {"workflow": "prevention", "page_size": 5})
    assert listed == commands.ListFrameworks("prevention", 1, 5)
    with pytest.raises(ValidationFailed) as refused:
        load(ListFrameworksSchema(), {"page_size": MAX_FRAMEWORK_PAGE + 1})
    assert list(refused.value.field_errors) == ["page_size"]
    with pytest.raises(ValidationFailed) as refused:
        load(LoadFrameworksSchema(), {"document": "frameworks: {}", "actor": ADMIN})
    assert list(refused.value.field_errors) == ["document"]


def test_the_starter_frameworks_name_the_team_cases_open_in():
    text = (SEED_DIR / "task_frameworks.yaml").read_text(encoding="utf-8")
    assert "team:housing_options" not in text
    assert f"team:{DEFAULT_TEAM}" in text


# --- following the case owner -----------------------------------------------------------------


@pytest.fixture
def broker():
    return FakeDispatch()


@pytest.fixture
def uow(broker):
    uow = memory_uow(
        metadata,
        "tasks",
        seed=lambda session: load_frameworks(session, FRAMEWORK),
        dispatch=broker,
    )
    yield uow
    uow.engine.dispose()


def case_event(case_id, correlation_id, event_type, data, time=None):
    return Envelope(
        type=event_type,
        version=1,
        source="cases",
        correlation_id=correlation_id,
        data={"case_id": case_id, "reference": "HO-2026-000001", "status": "open", **data},
        **({"time": isoformat(time)} if time else {}),
    )


class Case:
    """A case opened with the test framework, and the events the cases service would publish."""

    def __init__(self, uow):
        self.uow, self.id, self.correlation_id = uow, str(uuid.uuid4()), str(uuid.uuid4())

    def opened(self):
        data = {"workflow": "owned_flow", "stage": "triage", "opened_at": "2026-11-24T10:00:00Z"}
        return case_event(self.id, self.correlation_id, "case.opened", data)

    def open(self):
        run(self.uow, operations.create_tasks_for_case, self.opened(), calendar_nation=NATION)
        return self

    def assigned(self, owner, previous=None, time=None):
        data = {"stage": "triage", "owner": owner, "previous_owner": previous}
        return case_event(self.id, self.correlation_id, "case.assigned", data, time)

    def assign(self, owner, time=None):
        return run(self.uow, operations.follow_case_assigned, self.assigned(owner, time=time))

    def tasks(self):
        listed = run(self.uow, operations.list_tasks, commands.ListTasks(self.id))
        return {task.template_key: task for task in listed}

    def owners(self):
        return {key: task.owner for key, task in self.tasks().items()}


@pytest.fixture
def case(uow, broker):
    opened = Case(uow).open()
    broker.clear()
    return opened


def test_a_case_opens_with_its_case_owner_tasks_unowned_and_following(case):
    tasks = case.tasks()
    assert case.owners() == {"call": None, "assess": None, "triage": "team:triage", "later": None}
    assert {k: t.follows_case_owner for k, t in tasks.items()} == {
        "call": True,
        "assess": True,
        "triage": False,
        "later": True,
    }


def test_an_assignment_gives_every_following_task_the_owner_once(uow, broker, case):
    moved = case.assign("officer:ann")
    assert sorted(t.template_key for t in moved) == ["assess", "call", "later"]
    assert case.owners() == {
        "call": "officer:ann",
        "assess": "officer:ann",
        "triage": "team:triage",
        "later": "officer:ann",
    }
    assert broker.types() == ["task.reassigned"] * 3
    assert broker.audited() == ["task.reassigned"] * 3
    announced = broker.published[0][1]
    assert announced["data"]["task"]["owner"] == "officer:ann"
    assert announced["data"]["task"]["revision"] == 2
    assert announced["causation_id"]  # the case.assigned event
    audit = broker.data_of("audit.recorded")[0]
    assert audit["actor"] == operations.SYSTEM
    assert audit["before"] == {"owner": None}
    assert audit["after"]["follows"] == "case_owner"
    # The same owner again (another assignment announcing it) changes no task.
    broker.clear()
    assert case.assign("officer:ann") == []
    assert broker.published == []


def test_a_task_reassigned_by_hand_stops_following(uow, broker, case):
    case.assign("officer:ann")
    call = case.tasks()["call"]
    run(uow, operations.reassign_task, commands.ReassignTask(call.id, "officer:bob", LEADER))
    assert case.tasks()["call"].follows_case_owner is False
    case.assign("team:housing-options")
    owners = case.owners()
    assert owners["call"] == "officer:bob"
    assert owners["assess"] == owners["later"] == "team:housing-options"


def test_an_older_assignment_arriving_late_changes_nothing(uow, broker, case):
    now = utcnow()
    case.assign("officer:new", time=now)
    broker.clear()
    assert case.assign("officer:old", time=now - timedelta(minutes=5)) == []
    assert broker.published == []
    assert case.owners()["call"] == "officer:new"
    # One published later still applies.
    case.assign("officer:newer", time=now + timedelta(seconds=1))
    assert case.owners()["call"] == "officer:newer"


def test_finished_tasks_keep_the_owner_they_had(uow, case):
    call = case.tasks()["call"]
    run(
        uow,
        operations.complete_task,
        commands.CompleteTask(call.id, "Called", "officer:1"),
        calendar_nation=NATION,
    )
    case.assign("officer:ann")
    tasks = case.tasks()
    assert tasks["call"].owner is None and tasks["call"].status == "completed"
    assert tasks["later"].owner == "officer:ann"


def test_tasks_started_after_the_assignment_take_the_owner(uow, case):
    case.assign("officer:ann")
    starts_on = london_today()
    due_on = starts_on + timedelta(days=55)
    clock = {
        "kind": "prevention_duty",
        "starts_on": starts_on.isoformat(),
        "due_on": due_on.isoformat(),
        "day_after": (due_on + timedelta(days=1)).isoformat(),
    }
    entered = case_event(
        case.id,
        case.correlation_id,
        "case.stage_changed",
        {"stage": "prevention", "previous_stage": "triage", "clocks": [clock]},
    )
    (plan,) = run(uow, duties.follow_stage_change, entered, calendar_nation=NATION)
    assert (plan.owner, plan.follows_case_owner) == ("officer:ann", True)
    added = run(
        uow,
        operations.add_task,
        commands.AddTask(
            case.id, "Chase", "officer:zed", domain.Lag(1, "days"), "officer:1", False, None
        ),
        calendar_nation=NATION,
    )
    assert (added.owner, added.follows_case_owner) == ("officer:zed", False)


def test_an_assignment_before_the_case_is_known_waits(uow):
    early = Case(uow)
    with pytest.raises(NotYet):
        early.assign("officer:ann")
    early.open()
    early.assign("officer:ann")
    assert early.owners()["call"] == "officer:ann"


# --- the frameworks an admin lists and loads --------------------------------------------------


def edition(workflow="council_flow", **changes):
    return {
        "nations": ["england"],
        "effective_from": "2026-01-01",
        "tasks": [{"key": "contact", "name": "Contact the applicant"}],
        **changes,
    }


def load_document(uow, document, actor=ADMIN):
    return run(uow, operations.load_frameworks, commands.LoadFrameworks(document, actor))


def test_a_council_loads_an_edition_then_a_new_version_of_it(uow, broker):
    document = {"frameworks": {"council_flow": edition()}}
    (added,) = load_document(uow, document)
    assert (added.change, added.row.version, added.row.origin) == ("added", 1, "council")
    assert broker.audited() == ["task_framework.added"]
    broker.clear()
    (again,) = load_document(uow, document)
    assert (again.change, again.row.version) == ("unchanged", 1)
    assert broker.audited() == []
    changed = edition(tasks=[{"key": "contact", "name": "Phone the applicant"}])
    (newer,) = load_document(uow, {"frameworks": {"council_flow": changed}})
    assert (newer.change, newer.row.version) == ("changed", 2)
    (entry,) = broker.data_of("audit.recorded")
    assert (entry["action"], entry["actor"]) == ("task_framework.changed", ADMIN)
    assert entry["before"] == {"version": 1, "origin": "council"}
    assert entry["after"]["version"] == 2 and entry["after"]["tasks"] == 1
    assert entry["entity_id"] == "council_flow/england/2026-01-01"


def test_a_shipped_edition_loaded_unchanged_becomes_the_councils(broker):
    shipped = memory_uow(
        metadata,
        "tasks",
        seed=lambda session: load_frameworks(session, FRAMEWORK, origin=SEED),
        dispatch=broker,
    )
    try:
        (claimed,) = load_document(shipped, FRAMEWORK)
        assert (claimed.change, claimed.row.version) == ("claimed", 1)
        assert (claimed.row.origin, claimed.before["origin"]) == ("council", "seed")
        assert broker.audited() == ["task_framework.claimed"]
    finally:
        shipped.engine.dispose()


def test_a_bad_document_names_every_wrong_field_and_stores_nothing(uow, broker):
    bad = {
        "frameworks": {
            "good_part": edition(),
            "welsh": edition(nations=["cymru"]),
            "loop": edition(
                tasks=[
                    {"key": "a", "name": "A", "depends_on": [{"task": "b"}]},
                    {"key": "b", "name": "B", "depends_on": [{"task": "a", "type": "sideways"}]},
                ],
                on_duty={"eviction": []},
            ),
            "garbled": edition(tasks=[{"key": "a", "name": "A", "due_in": 5}], colour="red"),
        }
    }
    with pytest.raises(ValidationFailed) as refused:
        load_document(uow, bad)
    assert sorted(refused.value.field_errors) == [
        "document.frameworks.garbled.colour",
        "document.frameworks.garbled.tasks",
        "document.frameworks.loop.on_duty.eviction",
        "document.frameworks.loop.tasks",
        "document.frameworks.welsh.nations",
    ]
    assert (
        "'cymru' is not a nation"
        in refused.value.field_errors["document.frameworks.welsh.nations"][0]
    )
    with pytest.raises(ValidationFailed) as refused:
        load_document(uow, {"workflows": {}})
    assert list(refused.value.field_errors) == ["document.frameworks"]
    assert broker.published == []
    listed = run(uow, operations.list_frameworks, commands.ListFrameworks())
    assert [row.id for row in listed["items"]] == ["owned_flow/england/2018-04-03"]


def test_frameworks_are_listed_by_workflow_a_page_at_a_time(uow):
    document = {
        "frameworks": {
            "b_flow": [edition(), edition(effective_from="2027-01-01")],
            "a_flow": edition(),
        }
    }
    load_document(uow, document)
    first = run(uow, operations.list_frameworks, commands.ListFrameworks(page=1, page_size=2))
    assert first["total"] == 4 and first["page_size"] == 2
    assert [row.id for row in first["items"]] == [
        "a_flow/england/2026-01-01",
        "b_flow/england/2026-01-01",
    ]
    second = run(uow, operations.list_frameworks, commands.ListFrameworks(page=2, page_size=2))
    assert [row.id for row in second["items"]] == [
        "b_flow/england/2027-01-01",
        "owned_flow/england/2018-04-03",
    ]
    only = run(uow, operations.list_frameworks, commands.ListFrameworks(workflow="b_flow"))
    assert only["total"] == 2


def test_the_summary_counts_each_parts_tasks():
    from services.tasks.schemas import FrameworkSummarySchema

    row = TaskFramework(
        id="x/england/2018-04-03",
        workflow="x",
        nations=["england"],
        effective_from=london_today(),
        effective_to=None,
        tasks=[{"key": "a"}, {"key": "b"}],
        on_duty={"relief": [{"key": "c"}], "prevention": []},
        origin="council",
        version=3,
        updated_at=utcnow(),
    )
    summary = FrameworkSummarySchema().dump(row)
    assert summary["task_count"] == 2
    assert summary["duty_task_counts"] == {"prevention": 0, "relief": 1}
    assert summary["updated_at"].endswith("Z") and summary["effective_to"] is None


def test_the_starter_document_loads_as_a_councils_own(uow):
    starter = yaml.safe_load((SEED_DIR / "task_frameworks.yaml").read_text(encoding="utf-8"))
    stored = load_document(uow, starter)
    assert stored and {s.change for s in stored} == {"added"}


def test_reassigning_to_the_owner_it_took_from_the_case_is_refused(uow, case):
    case.assign("officer:ann")
    call = case.tasks()["call"]
    with pytest.raises(Conflict, match="already owned"):
        run(uow, operations.reassign_task, commands.ReassignTask(call.id, "officer:ann", LEADER))
