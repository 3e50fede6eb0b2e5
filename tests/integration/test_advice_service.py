"""The advice service: matching over RPC and on enquiry.submitted."""

import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import entrypoint_waiter

from scripts.demo import sample_answers
from services.advice.service import AdviceService
from shared.errors import ValidationFailed
from tests.integration.helpers import enquiry_submitted, publish, rows
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def advice(container_factory, service_config):
    config = service_config("advice")
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container = container_factory(AdviceService, config)
    container.start()
    return container, config, received


def test_every_workflow_has_advice_for_a_typical_applicant(advice):
    _, config, _ = advice
    with ClusterRpcProxy(config) as rpc:
        workflows = {w["key"] for w in rpc.advice.list_workflows()}
        assert workflows == {
            "prevention",
            "relief",
            "domestic_abuse",
            "private_rented_eviction",
            "mortgage_arrears",
            "advice_only",
        }
        for workflow in workflows:
            assert rpc.advice.match({"workflow": workflow, "answers": {}}), workflow


def test_match_orders_by_section_and_respects_conditions(advice):
    _, config, _ = advice
    with ClusterRpcProxy(config) as rpc:
        s21 = rpc.advice.match({"workflow": "private_rented_eviction", "answers": sample_answers()})
        other = rpc.advice.match(
            {
                "workflow": "private_rented_eviction",
                "answers": {**sample_answers(), "notice_type": "section_8"},
            }
        )
        outline = {w["key"]: w for w in rpc.advice.list_workflows()}["private_rented_eviction"]
    assert {s["key"] for s in s21} != {s["key"] for s in other}
    ranks = [outline["sections"].index(s["section"]) for s in s21]
    assert ranks == sorted(ranks)
    assert len({s["key"] for s in s21}) == len(s21)


def test_bad_match_requests_name_the_field(advice):
    _, config, _ = advice
    with ClusterRpcProxy(config) as rpc:
        with pytest.raises(ValidationFailed) as error:
            rpc.advice.match({"workflow": "nowhere", "answers": {}})
        assert list(error.value.field_errors) == ["workflow"]
        with pytest.raises(ValidationFailed) as error:
            rpc.advice.match({"answers": "x", "on_date": "soon"})
        assert set(error.value.field_errors) == {"workflow", "answers", "on_date"}


def test_submitted_enquiry_is_matched_once_and_announced(advice):
    container, config, received = advice
    event = enquiry_submitted("private_rented_eviction", sample_answers())
    for _ in range(2):
        with entrypoint_waiter(container, "match_submitted_enquiry"):
            publish(config, event)
    matched = wait_for(lambda: of_type(received, "advice.matched"))
    assert len(matched) == 1
    data = matched[0]["data"]
    assert data["enquiry_id"] == event.data["enquiry_id"]
    assert data["statements"] and all(s["version"] >= 1 for s in data["statements"])
    assert [s["key"] for s in data["sections"]]
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM match_results") == [(1,)]
