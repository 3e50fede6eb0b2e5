"""An event that arrives before what it needs (here: an officer's workflow change before the case
it changes, as when the cases service starts late or runs behind) waits and is delivered again,
for minutes, instead of being parked after a few quick retries."""

import pytest
from nameko.testing.services import entrypoint_waiter

from services.cases.service import CasesService
from shared import manage
from shared.envelope import Envelope
from tests.identity import SignedRpc
from tests.integration.helpers import enquiry_submitted, publish
from tests.recorder import wait_for

pytestmark = pytest.mark.integration


def workflow_changed(submitted: Envelope, workflow: str) -> Envelope:
    return Envelope(
        type="enquiry.workflow_changed",
        version=1,
        source="enquiry",
        correlation_id=submitted.correlation_id,
        data={
            "enquiry_id": submitted.data["enquiry_id"],
            "previous_workflow": submitted.data["workflow"],
            "workflow": workflow,
            "reason": "Officer's review",
            "changed_by": "officer:7",
            "changed_at": "2026-11-25T10:00:00Z",
        },
    )


def test_a_change_before_its_case_waits_far_past_the_retry_limit_then_applies(
    container_factory, service_config, monkeypatch
):
    config = {
        **service_config("cases"),
        "EVENT_MAX_ATTEMPTS": 2,
        "EVENT_RETRY_BACKOFF_SECONDS": 0,
        "EVENT_WAIT_FIRST_DELAY_SECONDS": 0.1,
        "EVENT_WAIT_MAX_DELAY_SECONDS": 0.2,
    }
    container = container_factory(CasesService, config)
    container.start()
    submitted = enquiry_submitted("prevention", {"full_name": "Jo Bloggs"})
    change = workflow_changed(submitted, "relief")
    with SignedRpc(config) as rpc:
        with entrypoint_waiter(container, "follow_workflow_change"):
            publish(config, change)
        # The relay (every 5 s) delivers it again while it waits: more tries than
        # EVENT_MAX_ATTEMPTS, and it is not parked.
        waiting = wait_for(
            lambda: (w := rpc.cases.health()["waiting"]) and w["events"] == 1 and w, timeout=5
        )
        assert waiting["oldest_since"]
        monkeypatch.setattr(manage, "service_config", lambda service: config)
        with entrypoint_waiter(container, "follow_workflow_change", timeout=15):
            pass  # a redelivery arrives, and waits again
        assert manage.parked("cases") == []

        # The case opens (the enquiry event reaches the cases service at last): the change follows.
        with entrypoint_waiter(container, "open_case_for_enquiry"):
            publish(config, submitted)
        case = wait_for(
            lambda: (
                (c := rpc.cases.get_case_for_enquiry(submitted.data["enquiry_id"]))["workflow"]
                == "relief"
                and c
            ),
            timeout=20,
        )
        assert case["workflow"] == "relief"
        assert rpc.cases.health()["waiting"]["events"] == 0
        assert manage.parked("cases") == []
