"""Audit events: every state change in every service is published as ``audit.recorded``."""

from __future__ import annotations

from typing import Any

from shared.clock import isoformat, utcnow
from shared.envelope import Envelope

AUDIT_EVENT_TYPE = "audit.recorded"
AUDIT_EVENT_VERSION = 1


def audit_envelope(
    *,
    source: str,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    correlation_id: str,
    case_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    causation_id: str | None = None,
) -> Envelope:
    """Build the audit event for one state change. ``before``/``after`` are short summaries,
    never whole records: the audit trail must not become a second copy of personal data."""
    return Envelope(
        type=AUDIT_EVENT_TYPE,
        version=AUDIT_EVENT_VERSION,
        source=source,
        correlation_id=correlation_id,
        causation_id=causation_id,
        data={
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "case_id": case_id,
            "before": before,
            "after": after,
            "occurred_at": isoformat(utcnow()),
        },
    )
