"""Events the cases service publishes (exchange ``cases.events``): a public contract, see
docs/events.md. Case events carry no personal data beyond the case's own identifiers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared import contracts
from shared.clock import isoformat
from shared.envelope import Envelope

if TYPE_CHECKING:
    from services.cases.models import Case

SOURCE = "cases"
CASE_OPENED = "case.opened"


def case_opened(case: Case, causation_id: str | None) -> Envelope:
    return case_event(
        CASE_OPENED,
        case,
        {
            "enquiry_id": case.enquiry_id,
            "workflow": case.workflow,
            "nation": case.nation,
            # Added (compatible): the team whose officers see and work the case.
            "team": case.team,
            "opened_at": isoformat(case.opened_at),
        },
        causation_id,
    )


def case_event(
    event_type: str, case: Case, data: dict, causation_id: str | None = None
) -> Envelope:
    """Every case event carries the case's id, reference, stage and status, then its own fields.
    No personal data: subscribers get names and answers, if they need them, by RPC."""
    return Envelope(
        type=event_type,
        version=VERSIONS[event_type],
        source=SOURCE,
        correlation_id=case.correlation_id,
        causation_id=causation_id,
        data={
            "case_id": case.id,
            "reference": case.reference,
            "stage": case.stage,
            "status": case.status,
            **data,
        },
    )


CASE_STAGE_CHANGED = "case.stage_changed"
CASE_ASSIGNED = "case.assigned"
CASE_CLOSED = "case.closed"
CASE_REOPENED = contracts.CASE_REOPENED
CASE_CLOCK_WARNING = "case.clock_warning"
# The day after a clock's last day. Not "expired": a prevention duty goes on until a notice ends
# it; the event's ``clock.ending`` says what the day means. (Replaced case.clock_expired.)
CASE_CLOCK_PERIOD_ENDED = "case.clock_period_ended"
# A prevention or relief duty ended: by notice on a ground (with the decision's review window),
# or by itself at the end of the relief period (s.189B(4), ``automatic``).
CASE_DUTY_ENDED = "case.duty_ended"
# A decision carrying review rights other than a duty ending (the steps of a written plan).
CASE_DECISION_NOTIFIED = "case.decision_notified"
CASE_FINDINGS_RECORDED = "case.findings_recorded"
CASE_CLOCK_CORRECTED = "case.clock_corrected"

# The version of each event's data shape (docs/schemas/<type>.v<N>.json). A change a subscriber
# could misread is a new version with an upcaster in shared/contracts.py, never an edit.
VERSIONS = {
    CASE_OPENED: 1,
    CASE_STAGE_CHANGED: 1,
    CASE_ASSIGNED: 1,
    CASE_CLOSED: 1,
    CASE_REOPENED: contracts.CASE_REOPENED_VERSION,
    CASE_CLOCK_WARNING: 1,
    CASE_CLOCK_PERIOD_ENDED: 1,
    CASE_DUTY_ENDED: 1,
    CASE_DECISION_NOTIFIED: 1,
    CASE_FINDINGS_RECORDED: 1,
    CASE_CLOCK_CORRECTED: 1,
}
