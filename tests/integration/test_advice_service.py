"""The advice service: matching over RPC and on enquiry.submitted, by nation and date."""

import uuid
from datetime import date, timedelta

import pytest
import yaml
from nameko.testing.services import entrypoint_waiter

from services.advice.seed import SEED_DIR
from services.advice.service import AdviceService
from services.enquiry.service import EnquiryService
from shared.envelope import Envelope
from shared.errors import NotFound, ValidationFailed
from tests.identity import SignedRpc
from tests.integration.helpers import enquiry_submitted, publish, rows
from tests.pathways import PATHWAYS
from tests.recorder import make_recorder, of_type, wait_for
from tests.scenarios import section_8

pytestmark = pytest.mark.integration
TODAY = date.today()
NATIONS_OF = {
    s["key"]: set(s["nations"])
    for s in yaml.safe_load((SEED_DIR / "statement_bank.yaml").read_text())["statements"]
}


def section_8_tenant(today: date = TODAY) -> dict:
    """A private tenant in England with a section 8 notice for serious rent arrears (the e2e
    scenario and the demo's sample)."""
    return {**section_8(today), "full_name": "Jo Bloggs"}


# What the enquiry service derives from the notice check for that tenant.
THREATENED = {"notice_verdict": "can_be_valid", "threatened_by_notice": True}


def enquiry_submitted_v2(workflow: str, answers: dict, nation: str, derived: dict) -> Envelope:
    enquiry_id = str(uuid.uuid4())
    return Envelope(
        type="enquiry.submitted",
        version=2,
        source="enquiry",
        correlation_id=str(uuid.uuid4()),
        data={
            "enquiry_id": enquiry_id,
            "template": {"key": "housing-options-enquiry", "version": 2},
            "workflow": workflow,
            "workflow_source": "triage",
            "answers": answers,
            "submitted_at": f"{TODAY.isoformat()}T10:00:00Z",
            "nation": nation,
            "roles": {"applicant_name": answers.get("full_name")},
            "suggested_duty": "prevention",
            "notice_check": None,
            "derived": derived,
        },
    )


@pytest.fixture
def advice(container_factory, service_config):
    config = service_config("advice")
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container = container_factory(AdviceService, config)
    container.start()
    return container, config, received


def test_every_workflow_has_advice_in_every_nation(advice):
    _, config, _ = advice
    with SignedRpc(config) as rpc:
        workflows = {w["key"] for w in rpc.advice.list_workflows()}
        assert workflows == PATHWAYS
        for workflow in workflows:
            for nation in ("england", "wales", "scotland"):
                chosen = rpc.advice.match({"workflow": workflow, "answers": {}, "nation": nation})
                assert chosen, (workflow, nation)
                assert all(nation in s["nations"] for s in chosen), (workflow, nation)


def test_match_orders_by_section_and_respects_conditions(advice):
    _, config, _ = advice
    tenant = section_8_tenant()
    with SignedRpc(config) as rpc:
        arrears = rpc.advice.match(
            {"workflow": "private_rented_eviction", "answers": tenant, "derived": THREATENED}
        )
        selling = rpc.advice.match(
            {
                "workflow": "private_rented_eviction",
                "answers": {**tenant, "notice_ground": "ground_1a"},
                "derived": THREATENED,
            }
        )
        outline = {w["key"]: w for w in rpc.advice.list_workflows()}["private_rented_eviction"]
    keys = {s["key"] for s in arrears}
    assert {"s8-what-landlord-must-prove", "s8-rent-arrears", "notice-threatened"} <= keys
    assert not keys & {"s21-check-validity", "s21-court-process", "s8-grounds"}
    assert "s8-landlord-moving-in-or-selling" in {s["key"] for s in selling} - keys
    ranks = [outline["sections"].index(s["section"]) for s in arrears]
    assert ranks == sorted(ranks)
    assert len(keys) == len(arrears)
    assert all(s["source"] and s["reviewed_on"] and "england" in s["nations"] for s in arrears)


def test_match_applies_the_law_of_the_day_asked_about(advice):
    _, config, _ = advice
    before = date(2026, 4, 20)
    with SignedRpc(config) as rpc:
        old_notice = {**section_8_tenant(before), "notice_type": "section_21"}
        del old_notice["notice_ground"]
        then = rpc.advice.match(
            {"workflow": "private_rented_eviction", "answers": old_notice, "on_date": "2026-04-20"}
        )
        now = rpc.advice.match(
            {"workflow": "private_rented_eviction", "answers": old_notice, "on_date": "2026-11-25"}
        )
    assert "s21-check-validity" in {s["key"] for s in then}
    assert "s21-after-cutoff" not in {s["key"] for s in then}
    assert "s21-after-cutoff" in {s["key"] for s in now}
    assert "s21-check-validity" not in {s["key"] for s in now}


def test_bad_match_requests_name_the_field(advice):
    _, config, _ = advice
    with SignedRpc(config) as rpc:
        with pytest.raises(ValidationFailed) as error:
            rpc.advice.match({"workflow": "nowhere", "answers": {}})
        assert list(error.value.field_errors) == ["workflow"]
        with pytest.raises(ValidationFailed) as error:
            rpc.advice.match({"answers": "x", "on_date": "soon"})
        assert set(error.value.field_errors) == {"workflow", "answers", "on_date"}
        with pytest.raises(ValidationFailed) as error:
            rpc.advice.match({"workflow": "relief", "answers": {}, "nation": "ireland"})
        assert list(error.value.field_errors) == ["nation"]


def test_submitted_enquiry_is_matched_once_and_announced(advice):
    container, config, received = advice
    event = enquiry_submitted_v2(
        "private_rented_eviction", section_8_tenant(), "england", THREATENED
    )
    for _ in range(2):
        with entrypoint_waiter(container, "match_submitted_enquiry"):
            publish(config, event)
    matched = wait_for(lambda: of_type(received, "advice.matched"))
    assert len(matched) == 1
    data = matched[0]["data"]
    assert data["enquiry_id"] == event.data["enquiry_id"]
    assert (data["nation"], data["matched_on"]) == ("england", TODAY.isoformat())
    assert data["statements"] and all(s["version"] >= 1 for s in data["statements"])
    # The derived facts count as answers: the notice makes her threatened now.
    assert "notice-threatened" in {s["key"] for s in data["statements"]}
    assert [s["key"] for s in data["sections"]]
    assert rows(config["DATABASE_URL"], "SELECT nation FROM match_results") == [("england",)]


def test_a_welsh_enquiry_gets_no_statement_written_only_for_england(advice):
    container, config, received = advice
    event = enquiry_submitted_v2("private_rented_eviction", section_8_tenant(), "wales", {})
    with entrypoint_waiter(container, "match_submitted_enquiry"):
        publish(config, event)
    (matched,) = wait_for(lambda: of_type(received, "advice.matched"))
    keys = [s["key"] for s in matched["data"]["statements"]]
    assert "wales-section-173-notice" in keys
    assert all("wales" in NATIONS_OF[key] for key in keys), keys
    assert all("wales" in s["nations"] for s in matched["data"]["statements"])
    assert matched["data"]["nation"] == "wales"


def test_a_version_1_event_is_matched_as_england(advice):
    container, config, received = advice
    event = enquiry_submitted("private_rented_eviction", section_8_tenant())
    with entrypoint_waiter(container, "match_submitted_enquiry"):
        publish(config, event)
    (matched,) = wait_for(lambda: of_type(received, "advice.matched"))
    assert matched["data"]["nation"] == "england"
    assert "s8-what-landlord-must-prove" in {s["key"] for s in matched["data"]["statements"]}


def test_an_enquiry_for_an_unknown_nation_is_parked_not_matched(advice):
    container, config, received = advice
    event = enquiry_submitted_v2("private_rented_eviction", section_8_tenant(), "ireland", {})
    with entrypoint_waiter(container, "match_submitted_enquiry"):
        publish(config, event)
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM match_results") == [(0,)]
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM rejected_events") == [(1,)]
    assert not of_type(received, "advice.matched")


@pytest.fixture
def advice_with_enquiry(container_factory, service_config):
    """save_statement checks conditions against the question template held by enquiry."""
    config = service_config("advice")
    container_factory(AdviceService, config).start()
    container_factory(
        EnquiryService, {**config, "DATABASE_URL": service_config("enquiry")["DATABASE_URL"]}
    ).start()
    with SignedRpc(config) as rpc:
        yield rpc


NEW_STATEMENT = {
    "key": "pets-and-tenancies",
    "title": "Pets and your tenancy",
    "body": "Check your tenancy agreement before moving a pet in.",
    "section": "your_home",
    "workflows": ["private_rented_eviction"],
    "when": {"all": [{"eq": ["tenure", "private_rented"]}, {"gt": ["household_children", 0]}]},
    "nations": ["england"],
    "source": "https://www.legislation.gov.uk/ukpga/2025/26/section/11",
    "reviewed_on": TODAY.isoformat(),
    "effective_from": "2026-05-01",
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

    # The new version is what matching uses from now on, in England only.
    chosen = rpc.advice.match(
        {"workflow": "private_rented_eviction", "answers": section_8_tenant()}
    )
    assert {"key": "pets-and-tenancies", "version": 2} in [
        {"key": s["key"], "version": s["version"]} for s in chosen
    ]
    in_wales = rpc.advice.match(
        {"workflow": "private_rented_eviction", "answers": section_8_tenant(), "nation": "wales"}
    )
    assert "pets-and-tenancies" not in {s["key"] for s in in_wales}

    bad = {
        **NEW_STATEMENT,
        "key": "bad-one",
        "section": "nowhere",
        "when": {"all": [{"eq": ["tenure", "igloo"]}, {"gt": ["pets", 1]}]},
    }
    with pytest.raises(ValidationFailed) as error:
        rpc.advice.save_statement({"statement": bad, "actor": "admin:1"})
    assert error.value.field_errors == {
        "statement[bad-one].section": ["unknown section 'nowhere'"],
        "statement[bad-one].when": [
            "condition at $.all[0].eq: on 'tenure': 'igloo' is not one of its options",
            "condition at $.all[1].gt: refers to unknown question 'pets'",
        ],
    }
    unsourced = {**NEW_STATEMENT, "key": "no-source", "source": "", "nations": ["ireland"]}
    unsourced["reviewed_on"] = (TODAY + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as error:
        rpc.advice.save_statement({"statement": unsourced, "actor": "admin:1"})
    assert set(error.value.field_errors) == {
        "statement[no-source].source",
        "statement[no-source].nations",
        "statement[no-source].reviewed_on",
    }
    with pytest.raises(ValidationFailed) as error:
        rpc.advice.save_statement({"statement": {**NEW_STATEMENT, "key": "Not Kebab"}})
    # The actor is the token's: only the key is wrong.
    assert set(error.value.field_errors) == {"statement.key"}
    with pytest.raises(NotFound):
        rpc.advice.get_statement("never-saved")


def test_match_says_why_and_explain_says_why_not(advice):
    _, config, _ = advice
    answers = section_8_tenant()
    with SignedRpc(config) as rpc:
        chosen = {
            s["key"]: s
            for s in rpc.advice.match(
                {"workflow": "private_rented_eviction", "answers": answers, "derived": THREATENED}
            )
        }
        assert chosen["s8-rent-arrears"]["reasons"] == [
            {
                "path": "$.eq",
                "operator": "eq",
                "question": "notice_ground",
                "answer": "ground_8",
                "expected": "ground_8",
            }
        ]
        assert chosen["notice-threatened"]["reasons"][0]["question"] == "threatened_by_notice"
        assert chosen["contact-us-early"]["reasons"] == []

        why_not = rpc.advice.explain_statement(
            {
                "statement_key": "s8-landlord-moving-in-or-selling",
                "workflow": "private_rented_eviction",
                "answers": answers,
            }
        )
        assert why_not["chosen"] is False and why_not["eligible_for_workflow"] is True
        assert why_not["condition"] == {
            "path": "$.in",
            "operator": "in",
            "held": False,
            "question": "notice_ground",
            "answer": "ground_8",
            "expected": ["ground_1", "ground_1a"],
        }
        # The law of the day: the old section 8 statement closed on 30 April 2026.
        closed = rpc.advice.explain_statement(
            {
                "statement_key": "s8-grounds",
                "workflow": "private_rented_eviction",
                "answers": answers,
            }
        )
        assert (closed["chosen"], closed["in_effect"], closed["effective_to"]) == (
            False,
            False,
            "2026-04-30",
        )
        welsh = rpc.advice.explain_statement(
            {
                "statement_key": "s8-what-landlord-must-prove",
                "workflow": "private_rented_eviction",
                "answers": answers,
                "nation": "wales",
            }
        )
        assert (welsh["chosen"], welsh["for_nation"], welsh["nations"]) == (
            False,
            False,
            ["england"],
        )
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


def test_a_drafted_statement_is_previewed_against_answers_without_being_saved(
    advice_with_enquiry,
):
    rpc = advice_with_enquiry
    question = {"workflow": "private_rented_eviction", "answers": section_8_tenant()}
    # No children in the household: the draft's condition does not hold, and it says where.
    draft = {**NEW_STATEMENT, "key": "pets-preview"}
    preview = rpc.advice.preview_statement({**question, "statement": draft})
    assert preview["saved"] is None
    assert preview["draft"]["chosen"] is (section_8_tenant().get("household_children", 0) > 0)
    assert preview["draft"]["condition"]["operator"] == "all"
    # The edit the admin is about to make: no condition on children. Now it would be chosen.
    loosened = {**draft, "when": {"eq": ["tenure", "private_rented"]}}
    assert rpc.advice.preview_statement({**question, "statement": loosened})["draft"]["chosen"]
    # Nothing was stored.
    with pytest.raises(NotFound):
        rpc.advice.get_statement("pets-preview")
    # A saved statement's preview shows the saved version beside the draft.
    rpc.advice.save_statement({"statement": loosened, "actor": "admin:1"})
    both = rpc.advice.preview_statement({**question, "statement": draft})
    assert both["saved"]["chosen"] is True and both["saved"]["version"] == 1
    # A draft that could not be saved cannot be previewed: the same errors.
    with pytest.raises(ValidationFailed) as error:
        rpc.advice.preview_statement(
            {**question, "statement": {**draft, "when": {"eq": ["tenure", "igloo"]}}}
        )
    assert set(error.value.field_errors) == {"statement[pets-preview].when"}
