"""The enquiry service over real RPC: validation at the boundary, storage, events."""

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from scripts.demo import TEMPLATE_KEY, sample_answers
from services.enquiry.service import EnquiryService
from shared.errors import NotFound, ValidationFailed
from tests.integration.helpers import rows
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def enquiry(container_factory, service_config):
    config = service_config("enquiry")
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container_factory(EnquiryService, config).start()
    with ClusterRpcProxy(config) as rpc:
        yield rpc, config, received


def test_submitted_enquiry_is_stored_triaged_and_announced(enquiry):
    rpc, config, received = enquiry
    stored = rpc.enquiry.submit_enquiry({"template_key": TEMPLATE_KEY, "answers": sample_answers()})
    assert stored["status"] == "submitted"
    assert stored["workflow"] == "private_rented_eviction"
    assert stored["workflow_source"] == "triage"
    assert stored["answers"]["postcode"] == "M1 1AE"
    assert rpc.enquiry.get_enquiry(stored["id"])["answers"] == stored["answers"]
    submitted = wait_for(lambda: of_type(received, "enquiry.submitted"))
    assert submitted[0]["data"]["enquiry_id"] == stored["id"]
    assert submitted[0]["data"]["template"] == {"key": TEMPLATE_KEY, "version": 1}
    assert submitted[0]["correlation_id"] == stored["correlation_id"]
    audit = wait_for(lambda: of_type(received, "audit.recorded"))
    assert audit[0]["data"]["action"] == "enquiry.submitted"
    assert audit[0]["data"]["actor"] == "customer"


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
                "answers.postcode",
                "answers.household_adults",
                "answers.tenure",
                "answers.homeless_tonight",
                "answers.fleeing_violence",
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
    assert rpc.enquiry.get_template(TEMPLATE_KEY)["version"] == 1
