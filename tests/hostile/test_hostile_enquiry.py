"""Hostile input to the enquiry service over real RPC (issue 17): an answer built to make the
email check backtrack, a flood of unknown answer keys, a number too long to convert. Each is
refused with a typed error naming the field, quickly, and the service keeps answering."""

from __future__ import annotations

import time

import pytest

from scripts.demo import TEMPLATE_KEY, sample_answers
from services.enquiry.service import EnquiryService
from shared.errors import ValidationFailed
from tests.identity import SignedRpc

pytestmark = pytest.mark.integration
# A refusal takes milliseconds; a second leaves room for a loaded machine, not for backtracking
# (the old pattern took 12 s over 40,000 characters).
QUICK_SECONDS = 1.0


@pytest.fixture
def rpc(container_factory, service_config):
    config = service_config("enquiry")
    container_factory(EnquiryService, config).start()
    with SignedRpc(config) as client:
        yield client


def refused(call, *args) -> tuple[ValidationFailed, float]:
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as error:
        call(*args)
    return error.value, time.monotonic() - started


def submit(rpc, answers):
    return rpc.enquiry.submit_enquiry(
        {"template_key": TEMPLATE_KEY, "answers": answers, "actor": "customer"}
    )


def test_a_long_email_is_refused_by_its_length_at_once(rpc):
    for email in ("a@" + "." * 40_000 + "@", "a@" + "b" * 40_000 + ".c"):
        error, seconds = refused(submit, rpc, {**sample_answers(), "email": email})
        assert error.field_errors == {"answers.email": ["must be at most 254 characters"]}
        assert seconds < QUICK_SECONDS
    assert submit(rpc, sample_answers())["status"] == "submitted"  # still answering


def test_a_flood_of_unknown_answer_keys_is_one_error_not_one_per_key(rpc):
    flood = {f"unknown_{n}": "x" for n in range(100_000)}
    error, seconds = refused(submit, rpc, flood)
    assert list(error.field_errors) == ["answers"]
    assert error.field_errors["answers"][0] == "at most 500 answers (100000 sent)"
    assert seconds < 5 * QUICK_SECONDS  # most of it is carrying 100,000 keys over the broker


def test_a_number_too_long_to_read_is_a_field_error(rpc):
    draft = rpc.enquiry.start_enquiry({"template_key": TEMPLATE_KEY, "actor": "customer"})
    # Carried as text: JSON itself refuses integers of more than 4,300 digits.
    error, _ = refused(
        rpc.enquiry.save_answers,
        {"enquiry_id": draft["id"], "answers": {"household_adults": "9" * 5000}},
    )
    assert list(error.field_errors) == ["answers.household_adults"]
    assert "9999" not in str(error.field_errors)
