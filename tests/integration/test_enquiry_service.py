"""The enquiry service over real RPC: validation at the boundary, storage, events."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from scripts.demo import TEMPLATE_KEY, sample_answers
from services.enquiry.council import ConfigurationError
from services.enquiry.service import EnquiryService
from shared import manage
from shared.envelope import Envelope
from shared.errors import Conflict, NotFound, ValidationFailed
from tests.identity import SignedRpc
from tests.integration.helpers import execute_sql, rows
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration
STARTER_V2 = Path(__file__).resolve().parents[2] / "services/enquiry/seed/starter_template_v2.yaml"


@pytest.fixture
def enquiry(container_factory, service_config):
    config = service_config("enquiry")
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container_factory(EnquiryService, config).start()
    with SignedRpc(config) as rpc:
        yield rpc, config, received


def v1_answers():
    """Answers to version 1 of the starter form, which is still published."""
    return {
        "full_name": "Jo Bloggs",
        "postcode": "M1 1AE",
        "household_adults": 1,
        "tenure": "private_rented",
        "has_notice": True,
        "notice_type": "section_8",
        "homeless_tonight": False,
        "fleeing_violence": False,
        "referral_source": "self",
    }


def test_submitted_enquiry_is_stored_triaged_and_announced(enquiry):
    rpc, config, received = enquiry
    stored = rpc.enquiry.submit_enquiry(
        {"template_key": TEMPLATE_KEY, "answers": sample_answers(), "actor": "customer"}
    )
    assert stored["status"] == "submitted"
    assert stored["template_version"] == 3
    assert stored["workflow"] == "private_rented_eviction"
    assert stored["workflow_source"] == "triage"
    assert (stored["nation"], stored["suggested_duty"]) == ("england", "prevention")
    assert stored["notice_check"]["notice_type"] == "section_8"
    assert stored["notice_check"]["verdict"] == "can_be_valid"
    assert stored["answers"]["postcode"] == "M1 1AE"
    viewed = rpc.enquiry.get_enquiry(stored["id"])
    assert viewed["answers"] == stored["answers"]
    assert viewed["suggested_duty"] == "prevention"
    assert viewed["notice_check"] == stored["notice_check"]
    submitted = wait_for(lambda: of_type(received, "enquiry.submitted"))
    assert submitted[0]["version"] == 2
    data = submitted[0]["data"]
    assert data["enquiry_id"] == stored["id"]
    assert data["template"] == {"key": TEMPLATE_KEY, "version": 3}
    assert submitted[0]["correlation_id"] == stored["correlation_id"]
    assert set(data) == {
        "enquiry_id",
        "template",
        "workflow",
        "workflow_source",
        "answers",
        "submitted_at",
        "nation",
        "roles",
        "suggested_duty",
        "notice_check",
        "derived",
    }
    assert data["nation"] == "england" and data["suggested_duty"] == "prevention"
    assert data["roles"]["applicant_name"] == "Siobhan Kowalski"
    assert data["roles"]["notice_type"] == "section_8"
    assert data["roles"]["release_date"] is None
    assert data["notice_check"] == stored["notice_check"]
    assert data["derived"]["threatened_by_notice"] is True
    assert data["derived"]["notice_verdict"] == "can_be_valid"
    audit = wait_for(lambda: of_type(received, "audit.recorded"))
    assert audit[0]["data"]["action"] == "enquiry.submitted"
    assert audit[0]["data"]["actor"] == "customer"
    assert audit[0]["data"]["after"]["suggested_duty"] == "prevention"


@pytest.mark.parametrize(
    ("changes", "question"),
    [
        (
            {"notice_expiry_date": "2026-01-02", "notice_served_date": "2026-01-05"},
            "notice_expiry_date",
        ),
        (
            {"notice_served_date": "2099-01-05", "notice_expiry_date": "2099-03-05"},
            "notice_served_date",
        ),
        ({"tenancy_start_date": "2099-01-01"}, "tenancy_start_date"),
    ],
)
def test_notice_dates_that_contradict_each_other_are_refused_naming_the_question(
    enquiry, changes, question
):
    rpc, config, received = enquiry
    answers = {**sample_answers(), **changes}
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.submit_enquiry({"template_key": TEMPLATE_KEY, "answers": answers})
    assert list(error.value.field_errors) == [f"answers.{question}"]
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM enquiries") == [(0,)]
    # Reported with any other problem, all at once.
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.submit_enquiry(
            {"template_key": TEMPLATE_KEY, "answers": {**answers, "postcode": "nowhere"}}
        )
    assert set(error.value.field_errors) == {f"answers.{question}", "answers.postcode"}
    assert not of_type(received, "enquiry.submitted")


def test_an_enquiry_on_version_1_still_works_and_is_announced_as_version_2(enquiry):
    rpc, _, received = enquiry
    stored = rpc.enquiry.submit_enquiry(
        {"template_key": TEMPLATE_KEY, "template_version": 1, "answers": v1_answers()}
    )
    assert (stored["template_version"], stored["workflow"]) == (1, "private_rented_eviction")
    assert (stored["nation"], stored["suggested_duty"]) == ("england", "none")
    assert stored["notice_check"] is None
    data = wait_for(lambda: of_type(received, "enquiry.submitted"))[0]["data"]
    assert data["roles"] == {"applicant_name": "Jo Bloggs"}
    assert (data["notice_check"], data["derived"]) == (None, {})


def test_officer_may_choose_the_workflow_with_a_reason(enquiry):
    rpc, _, received = enquiry
    request = {
        "template_key": TEMPLATE_KEY,
        "answers": sample_answers(),
        "workflow": "prevention",
        "actor": "officer:42",
    }
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.submit_enquiry(request)
    assert list(error.value.field_errors) == ["workflow_reason"]
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.submit_enquiry({**request, "workflow": "moon_base", "workflow_reason": "x"})
    assert list(error.value.field_errors) == ["workflow"]
    stored = rpc.enquiry.submit_enquiry({**request, "workflow_reason": "Notice is invalid"})
    assert (stored["workflow"], stored["workflow_source"]) == ("prevention", "officer")
    audit = wait_for(lambda: of_type(received, "audit.recorded"))
    assert audit[-1]["data"]["actor"] == "officer:42"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ("not an object", {"_schema"}),
        ({}, {"template_key", "answers"}),
        ({"template_key": TEMPLATE_KEY, "answers": [], "extra": 1}, {"answers", "extra"}),
        ({"template_key": 7, "answers": {}}, {"template_key"}),
        (
            {"template_key": TEMPLATE_KEY, "answers": {}, "template_version": "1"},
            {"template_version"},
        ),
        (
            {"template_key": TEMPLATE_KEY, "answers": {"full_name": "x" * 100_000}},
            {
                "answers.full_name",
                "answers.age_band",
                "answers.postcode",
                "answers.household_adults",
                "answers.immigration_status",
                "answers.tenure",
                "answers.homeless_tonight",
                "answers.relationship_ending",
                "answers.home_unsafe",
                "answers.fleeing_violence",
                "answers.armed_forces",
                "answers.referral_source",
            },
        ),
    ],
)
def test_bad_payloads_are_rejected_by_field_and_nothing_is_stored(enquiry, payload, fields):
    rpc, config, _ = enquiry
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.submit_enquiry(payload)
    assert set(error.value.field_errors) == fields
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM enquiries") == [(0,)]


def test_unknown_template_and_enquiry_are_not_found(enquiry):
    rpc, _, _ = enquiry
    with pytest.raises(NotFound):
        rpc.enquiry.submit_enquiry({"template_key": "nope", "answers": {}})
    with pytest.raises(NotFound):
        rpc.enquiry.get_template(TEMPLATE_KEY, 99)
    with pytest.raises(NotFound):
        rpc.enquiry.get_enquiry("missing")
    assert rpc.enquiry.get_template(TEMPLATE_KEY)["version"] == 3


def test_save_and_return_then_submit_the_draft(enquiry):
    rpc, config, received = enquiry
    draft = rpc.enquiry.start_enquiry({"template_key": TEMPLATE_KEY})
    assert draft["status"] == "draft" and draft["answers"] == {}
    assert "full_name" in draft["progress"]["missing_required"]
    assert "notice_type" not in draft["progress"]["visible_questions"]

    first = {"full_name": "Jo Bloggs", "tenure": "private_rented", "has_notice": True}
    saved = rpc.enquiry.save_answers({"enquiry_id": draft["id"], "answers": first})
    assert "notice_type" in saved["progress"]["visible_questions"]
    assert "notice_type" in saved["progress"]["missing_required"]

    # One bad answer: nothing of this save is kept.
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.save_answers(
            {"enquiry_id": draft["id"], "answers": {"postcode": "M1 1AE", "tenure": "igloo"}}
        )
    assert list(error.value.field_errors) == ["answers.tenure"]
    resumed = rpc.enquiry.get_enquiry(draft["id"])
    assert resumed["answers"] == first

    # Submitting what is there reports every missing answer at once.
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.submit_enquiry({"enquiry_id": draft["id"]})
    assert {"answers.postcode", "answers.notice_type"} <= set(error.value.field_errors)

    rest = {k: v for k, v in sample_answers().items() if k not in first}
    rpc.enquiry.save_answers({"enquiry_id": draft["id"], "answers": rest})
    submitted = rpc.enquiry.submit_enquiry({"enquiry_id": draft["id"]})
    assert submitted["status"] == "submitted"
    assert submitted["workflow"] == "private_rented_eviction"
    assert submitted["suggested_duty"] == "prevention"
    with pytest.raises(Conflict):
        rpc.enquiry.save_answers({"enquiry_id": draft["id"], "answers": {"full_name": "X"}})
    # Sent again (a retry after a lost reply): the same enquiry, nothing announced twice; but
    # a submitted enquiry's answers can no longer change.
    assert rpc.enquiry.submit_enquiry({"enquiry_id": draft["id"]}) == submitted
    with pytest.raises(Conflict):
        rpc.enquiry.submit_enquiry({"enquiry_id": draft["id"], "answers": {"full_name": "X"}})

    started = wait_for(lambda: of_type(received, "enquiry.started"))
    assert "answers" not in started[0]["data"]
    wait_for(lambda: of_type(received, "enquiry.submitted"))
    actions = [m["data"]["action"] for m in of_type(received, "audit.recorded")]
    assert actions[:1] == ["enquiry.started"] and "enquiry.answers_saved" in actions
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM enquiries") == [(1,)]
    assert len(of_type(received, "enquiry.submitted")) == 1


def test_request_id_makes_creating_an_enquiry_safe_to_retry(enquiry):
    rpc, config, received = enquiry
    request = {"template_key": TEMPLATE_KEY, "answers": sample_answers(), "request_id": "app-1-abc"}
    first = rpc.enquiry.submit_enquiry(request)
    assert first["request_id"] == "app-1-abc"
    assert rpc.enquiry.submit_enquiry(request) == first
    # The same key for something else is refused, not silently answered with the first.
    changed = {**request, "answers": {**sample_answers(), "full_name": "Someone Else"}}
    with pytest.raises(Conflict) as error:
        rpc.enquiry.submit_enquiry(changed)
    assert "app-1-abc" in str(error.value)

    draft = rpc.enquiry.start_enquiry({"template_key": TEMPLATE_KEY, "request_id": "app-2-def"})
    again = rpc.enquiry.start_enquiry({"template_key": TEMPLATE_KEY, "request_id": "app-2-def"})
    assert again["id"] == draft["id"]
    with pytest.raises(Conflict):
        rpc.enquiry.submit_enquiry({**request, "request_id": "app-2-def"})
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.submit_enquiry({"enquiry_id": draft["id"], "request_id": "app-3-ghi"})
    assert list(error.value.field_errors) == ["request_id"]
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.start_enquiry({"template_key": TEMPLATE_KEY, "request_id": "short"})
    assert list(error.value.field_errors) == ["request_id"]

    wait_for(lambda: of_type(received, "enquiry.started"))
    wait_for(lambda: of_type(received, "enquiry.submitted"))
    assert len(of_type(received, "enquiry.submitted")) == 1
    assert len(of_type(received, "enquiry.started")) == 1
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM enquiries") == [(2,)]


def test_prefill_from_a_previous_enquiry(enquiry):
    rpc, _, _ = enquiry
    earlier = rpc.enquiry.submit_enquiry(
        {"template_key": TEMPLATE_KEY, "answers": sample_answers()}
    )
    draft = rpc.enquiry.start_enquiry(
        {"template_key": TEMPLATE_KEY, "prefill_from_enquiry": earlier["id"]}
    )
    assert draft["prefilled_from"] == earlier["id"]
    assert draft["answers"] == earlier["answers"]
    assert draft["progress"]["missing_required"] == []
    with pytest.raises(NotFound):
        rpc.enquiry.start_enquiry({"template_key": TEMPLATE_KEY, "prefill_from_enquiry": "nope"})


def test_officer_changes_the_workflow_with_a_reason(enquiry):
    rpc, _, received = enquiry
    stored = rpc.enquiry.submit_enquiry({"template_key": TEMPLATE_KEY, "answers": sample_answers()})
    change = {
        "enquiry_id": stored["id"],
        "workflow": "prevention",
        "actor": "officer:7",
        "reason": "Notice found invalid",
    }
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.change_workflow({**change, "reason": "", "actor": None})
    # The actor is the token's: only the reason is wrong.
    assert set(error.value.field_errors) == {"reason"}
    with pytest.raises(ValidationFailed):
        rpc.enquiry.change_workflow({**change, "workflow": "moon_base"})
    changed = rpc.enquiry.change_workflow(change)
    assert (changed["workflow"], changed["workflow_source"]) == ("prevention", "officer")
    with pytest.raises(Conflict):
        rpc.enquiry.change_workflow(change)
    event = wait_for(lambda: of_type(received, "enquiry.workflow_changed"))[0]["data"]
    assert event["previous_workflow"] == "private_rented_eviction"
    assert (event["workflow"], event["changed_by"]) == ("prevention", "officer:7")


def test_publishing_template_versions(enquiry):
    rpc, _, _ = enquiry
    current = rpc.enquiry.get_template(TEMPLATE_KEY)
    assert current["nation"] == "england" and current["roles"]["applicant_name"] == "full_name"
    new = {**current, "version": None, "title": "Housing options enquiry (2027)"}
    new["sections"] = [
        *current["sections"],
        {
            "key": "extra",
            "title": "Extra",
            "title_cy": "Ychwanegol",
            "questions": [
                {
                    "key": "pets",
                    "type": "boolean",
                    "label": "Do you have pets?",
                    "label_cy": "Oes gennych chi anifeiliaid anwes?",
                }
            ],
        },
    ]
    published = rpc.enquiry.publish_template({"definition": new, "actor": "admin:1"})
    assert (published["version"], published["published_by"]) == (4, "admin:1")
    # The old version is unchanged, and enquiries can still be made on it.
    assert rpc.enquiry.get_template(TEMPLATE_KEY, 3) == current
    old = rpc.enquiry.submit_enquiry(
        {"template_key": TEMPLATE_KEY, "template_version": 3, "answers": sample_answers()}
    )
    assert old["template_version"] == 3
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.submit_enquiry(
            {
                "template_key": TEMPLATE_KEY,
                "template_version": 3,
                "answers": {**sample_answers(), "pets": True},
            }
        )
    assert list(error.value.field_errors) == ["answers.pets"]
    assert [t["version"] for t in rpc.enquiry.list_templates()] == [1, 2, 3, 4]

    # A new version declares the council's nation and the roles of its questions.
    for changes, field in [
        ({"nation": "wales"}, "definition.nation"),
        ({"nation": "atlantis"}, "definition.nation"),
        ({"roles": {}}, "definition.roles.applicant_name"),
        ({"roles": {**new["roles"], "shoe_size": "full_name"}}, "definition.roles.shoe_size"),
    ]:
        with pytest.raises(ValidationFailed) as error:
            rpc.enquiry.publish_template({"definition": {**new, **changes}, "actor": "admin:1"})
        assert list(error.value.field_errors) == [field]
    legacy = {k: v for k, v in new.items() if k not in ("nation", "effective_from", "roles")}
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.publish_template({"definition": legacy, "actor": "admin:1"})
    assert {"definition.nation", "definition.roles"} <= set(error.value.field_errors)

    broken = {**new, "version": 5}
    broken["sections"] = [
        {
            "key": "s",
            "title": "S",
            "questions": [
                {"key": "a", "type": "boolean"},
                {"key": "b", "type": "text", "show_if": {"eq": ["a", "maybe"]}},
                {"key": "b", "type": "text"},
            ],
        }
    ]
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.publish_template({"definition": broken, "actor": "admin:1"})
    assert set(error.value.field_errors) >= {"definition.b", "definition.triage[0]"}
    with pytest.raises(ValidationFailed) as error:
        rpc.enquiry.publish_template({"definition": {**new, "version": 7}, "actor": "admin:1"})
    assert list(error.value.field_errors) == ["definition.version"]
    assert [t["version"] for t in rpc.enquiry.list_templates()] == [1, 2, 3, 4]


def test_the_council_nation_is_checked_on_start(container_factory, service_config):
    config = service_config("enquiry", COUNCIL_NATION="narnia")
    with pytest.raises(ConfigurationError) as error:
        container_factory(EnquiryService, config).start()
    assert str(error.value).startswith("enquiry: COUNCIL_NATION 'narnia' is not a nation")
    assert "\n" not in str(error.value)


def test_a_welsh_council_gets_no_english_starter_form(container_factory, service_config):
    config = service_config("enquiry", COUNCIL_NATION="Wales")
    container_factory(EnquiryService, config).start()
    with SignedRpc(config) as rpc:
        assert rpc.enquiry.list_templates() == []
        with pytest.raises(ValidationFailed) as error:
            current = yaml.safe_load(STARTER_V2.read_text())
            rpc.enquiry.publish_template({"definition": current, "actor": "admin:1"})
        assert list(error.value.field_errors) == ["definition.nation"]


def test_outbox_relay_publishes_what_a_crash_left_behind_and_health_reports_it(
    enquiry, container_factory
):
    rpc, config, received = enquiry
    stranded = Envelope(
        type="enquiry.submitted",
        version=1,
        source="enquiry",
        correlation_id="c-1",
        data={"enquiry_id": "stranded"},
    )
    execute_sql(
        config,
        "INSERT INTO outbox (event_id, event_type, payload, created_at) "
        "VALUES (:id, :type, :payload, :now)",
        id=stranded.id,
        type=stranded.type,
        payload=json.dumps(stranded.to_message()),
        now=datetime.now(UTC),
    )
    health = rpc.enquiry.health()
    assert health["status"] == "ok" and health["outbox"]["unpublished"] == 1
    relayed = wait_for(
        lambda: [m for m in of_type(received, "enquiry.submitted") if m["id"] == stranded.id]
    )
    assert relayed[0]["data"] == {"enquiry_id": "stranded"}
    wait_for(lambda: rpc.enquiry.health()["outbox"]["unpublished"] == 0)


def test_the_health_command_probes_a_running_service(enquiry):
    _, config, _ = enquiry
    status, answer = manage.health("enquiry", config["AMQP_URI"])
    assert status == 0 and answer["status"] == "ok" and answer["database"] == "ok"
    # Nothing consumes the advice service's queue here: unhealthy, said plainly.
    status, answer = manage.health("advice", config["AMQP_URI"], timeout=1)
    assert status == 1 and answer["status"] == "unreachable"
    assert "UnknownService" in answer["error"]
