"""Events the advice service publishes (exchange ``advice.events``). See docs/events.md."""

from __future__ import annotations

from typing import Any

from services.advice.models import MatchResult
from shared.clock import isoformat
from shared.envelope import Envelope

SOURCE = "advice"
ADVICE_MATCHED = "advice.matched"
# Bumped when a subscriber must know of a change (additions compatible with it keep it).
ADVICE_MATCHED_VERSION = 1


def advice_matched(
    match: MatchResult,
    workflow_title: str,
    sections: list[dict[str, Any]],
    correlation_id: str,
    causation_id: str,
) -> Envelope:
    return Envelope(
        type=ADVICE_MATCHED,
        version=ADVICE_MATCHED_VERSION,
        source=SOURCE,
        correlation_id=correlation_id,
        causation_id=causation_id,
        data={
            "enquiry_id": match.enquiry_id,
            "workflow": match.workflow,
            "workflow_title": workflow_title,
            # Additions compatible with version 1: whose law, and on which day.
            "nation": match.nation,
            "matched_on": match.matched_on.isoformat() if match.matched_on else None,
            "sections": sections,
            "statements": match.statements,
            "matched_at": isoformat(match.matched_at),
        },
    )
