"""The advice service: matching over RPC and on enquiry.submitted."""

import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import entrypoint_waiter

from scripts.demo import sample_answers
from services.advice.service import AdviceService
from services.enquiry.service import EnquiryService
from shared.errors import NotFound, ValidationFailed
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


@pytest.fixture
def advice_with_enquiry(container_factory, service_config):
    """save_statement checks conditions against the question template held by enquiry."""
    config = service_config("advice")
    container_factory(AdviceService, config).start()
    container_factory(
        EnquiryService, {**config, "DATABASE_URL": service_config("enquiry")["DATABASE_URL"]}
    ).start()
    with ClusterRpcProxy(config) as rpc:
        yield rpc


NEW_STATEMENT = {
    "key": "pets-and-tenancies",
    "title": "Pets and your tenancy",
    "body": "Check your tenancy agreement before moving a pet in.",
    "section": "your_home",
    "workflows": ["private_rented_eviction"],
    "when": {"all": [{"eq": ["tenure", "private_rented"]}, {"gt": ["household_children", 0]}]},
}


def test_statements_are_versioned_and_checked_against_the_template(advice_with_enquiry):
    rpc = advice_with_enquiry
    saved = rpc.advice.save_statement({"statement": NEW_STATEMENT, "actor": "admin:1"})
    assert (saved["version"], saved["new_version"]) == (1, True)
    again = rpc.advice.save_statement({"statement": NEW_STATEMENT, "actor": "admin:1"})
    assert (again["version"], again["new_version"]) == (1, False)
    edited = {**NEW_STATEMENT, "title": "Pets, children and your tenancy"}
    assert rpc.advice.save_statement({"statement": edited, "actor": "admin:2"})["version"] == 2
    history = rpc.advice.get_statement("pets-and-tenancies")
    assert [(v["version"], v["created_by"]) for v in history] == [(1, "admin:1"), (2, "admin:2")]

    # The new version is what matching uses from now on.
    chosen = rpc.advice.match({"workflow": "private_rented_eviction", "answers": sample_answers()})
    assert {"key": "pets-and-tenancies", "version": 2} in [
        {"key": s["key"], "version": s["version"]} for s in chosen
    ]

    bad = {
        **NEW_STATEMENT,
        "key": "bad-one",
        "section": "nowhere",
        "when": {"all": [{"eq": ["tenure", "igloo"]}, {"gt": ["pets", 1]}]},
    }
    with pytest.raises(ValidationFailed) as error:
        rpc.advice.save_statement({"statement": bad, "actor": "admin:1"})
    ((field, messages),) = error.value.field_errors.items()
    assert field == "statement[bad-one]"
    assert "unknown section 'nowhere'" in messages
    assert "condition at $.all[0].eq: on 'tenure': 'igloo' is not one of its options" in messages
    assert "condition at $.all[1].gt: refers to unknown question 'pets'" in messages
    with pytest.raises(ValidationFailed) as error:
        rpc.advice.save_statement({"statement": {**NEW_STATEMENT, "key": "Not Kebab"}})
    assert set(error.value.field_errors) == {"statement.key", "actor"}
    with pytest.raises(NotFound):
        rpc.advice.get_statement("never-saved")


def test_match_says_why_and_explain_says_why_not(advice):
    _, config, _ = advice
    answers = sample_answers()
    with ClusterRpcProxy(config) as rpc:
        chosen = {
            s["key"]: s
            for s in rpc.advice.match({"workflow": "private_rented_eviction", "answers": answers})
        }
        reasons = chosen["s21-check-validity"]["reasons"]
        assert reasons == [
            {
                "path": "$.eq",
                "operator": "eq",
                "question": "notice_type",
                "answer": "section_21",
                "expected": "section_21",
            }
        ]
        assert chosen["contact-us-early"]["reasons"] == []

        why_not = rpc.advice.explain_statement(
            {
                "statement_key": "s8-grounds",
                "workflow": "private_rented_eviction",
                "answers": answers,
            }
        )
        assert why_not["chosen"] is False and why_not["eligible_for_workflow"] is True
        assert why_not["condition"] == {
            "path": "$.eq",
            "operator": "eq",
            "held": False,
            "question": "notice_type",
            "answer": "section_21",
            "expected": "section_8",
        }
        with pytest.raises(NotFound):
            rpc.advice.explain_statement(
                {"statement_key": "nope", "workflow": "relief", "answers": {}}
            )
        with pytest.raises(ValidationFailed) as error:
            rpc.advice.explain_statement(
                {"statement_key": "s8-grounds", "workflow": "moon", "answers": {}}
            )
        assert list(error.value.field_errors) == ["workflow"]
        listed = rpc.advice.list_statements("mortgage_arrears")
        assert listed and all("mortgage_arrears" in s["workflows"] for s in listed)
