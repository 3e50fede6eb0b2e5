"""The cases service against the real broker and database."""

import pytest
from nameko.testing.services import entrypoint_waiter

from services.cases.service import CasesService
from shared.audit import audit_envelope
from shared.errors import NotFound, ValidationFailed
from tests.identity import SignedRpc
from tests.integration.helpers import enquiry_submitted, publish, publish_raw, rows
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def cases(container_factory, service_config):
    config = service_config("cases")
    container = container_factory(CasesService, config)
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container.start()
    return container, config, received


def test_one_case_per_enquiry_even_when_the_event_is_delivered_twice(cases):
    container, config, received = cases
    event = enquiry_submitted()
    for _ in range(2):
        with entrypoint_waiter(container, "open_case_for_enquiry"):
            publish(config, event)
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM cases") == [(1,)]
    opened = wait_for(lambda: of_type(received, "case.opened"))
    assert len(opened) == 1
    data = opened[0]["data"]
    assert data["enquiry_id"] == event.data["enquiry_id"]
    assert data["reference"].startswith("HO-") and len(data["reference"]) == 14
    assert opened[0]["correlation_id"] == event.correlation_id
    assert opened[0]["causation_id"] == event.id


def test_references_are_unique_and_sequential(cases):
    container, config, _ = cases
    for _ in range(5):
        with entrypoint_waiter(container, "open_case_for_enquiry"):
            publish(config, enquiry_submitted())
    references = [r[0] for r in rows(config["DATABASE_URL"], "SELECT reference FROM cases")]
    assert sorted(int(r[-6:]) for r in references) == [1, 2, 3, 4, 5]


def test_malformed_events_are_parked_not_applied(cases):
    container, config, _ = cases
    with entrypoint_waiter(container, "open_case_for_enquiry"):
        publish_raw(config, "enquiry", "enquiry.submitted", {"type": "enquiry.submitted"})
    bad_data = enquiry_submitted()
    del bad_data.data["workflow"]
    with entrypoint_waiter(container, "open_case_for_enquiry"):
        publish(config, bad_data)
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM cases") == [(0,)]
    parked = rows(config["DATABASE_URL"], "SELECT handler, errors FROM rejected_events")
    assert len(parked) == 2
    assert "data.workflow" in parked[1][1]


def test_get_case_and_timeline_over_rpc(cases):
    container, config, received = cases
    event = enquiry_submitted()
    with entrypoint_waiter(container, "open_case_for_enquiry"):
        publish(config, event)
    case_id = wait_for(lambda: of_type(received, "case.opened"))[0]["data"]["case_id"]
    # An audit event from another service, recorded before the case existed.
    with entrypoint_waiter(container, "record_enquiry_audit"):
        publish(
            config,
            audit_envelope(
                source="enquiry",
                actor="customer",
                action="enquiry.submitted",
                entity_type="enquiry",
                entity_id=event.data["enquiry_id"],
                correlation_id=event.correlation_id,
            ),
        )
    with SignedRpc(config) as rpc:
        case = rpc.cases.get_case(case_id)
        assert case["applicant_name"] == "Jo Bloggs" and case["status"] == "open"
        timeline = rpc.cases.get_timeline(case["reference"])
        assert [entry["action"] for entry in timeline] == [
            "case.opened",
            "enquiry.submitted",
            "case.viewed",
        ]
        assert {entry["source"] for entry in timeline} == {"cases", "enquiry"}
        with pytest.raises(NotFound):
            rpc.cases.get_case("HO-1999-000001")
        with pytest.raises(ValidationFailed) as error:
            rpc.cases.get_case(12)
        assert "reference" in error.value.field_errors
