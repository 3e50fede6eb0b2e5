"""Case rules that need no database: references, the shape of a case summary, and the case's
own behaviour (``CaseBehaviour``: what an officer does to a case, each change recorded for the
unit of work to announce and audit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.cases import events, lifecycle
from shared.aggregate import Aggregate, Change
from shared.clock import isoformat
from shared.errors import Conflict

REFERENCE_PREFIX = "HO"
OPEN, CLOSED = "open", "closed"  # a case's status


class CaseBehaviour(Aggregate):
    """Mixed into the stored ``Case``. Each method refuses an illegal change with ``Conflict``
    before changing anything, and records what it changed: the case event (no personal data)
    and the audit entry on the case's chain. Changes that start or stop clocks (stages, reopening)
    change the case here and are announced by their use case with the clocks
    (``announce``), since the clocks are rows of their own."""

    id: str
    reference: str
    correlation_id: str
    stage: str
    status: str
    owner: str | None
    closed_from: str | None
    outcome: str | None
    outcome_reason: str | None
    updated_at: datetime | None

    def assign(self, owner: str, actor: str, now: datetime) -> None:
        if self.owner == owner:
            raise Conflict(f"case {self.reference} is already assigned to {self.owner}")
        previous, self.owner, self.updated_at = self.owner, owner, now
        self.announce(
            events.CASE_ASSIGNED,
            {"owner": owner, "previous_owner": previous},
            actor,
            {"owner": previous},
            {"owner": owner},
        )

    def close(self, outcome: str, reason: str | None, actor: str, now: datetime) -> None:
        """Closed with an outcome (its running clocks are stopped by the caller)."""
        if self.stage == lifecycle.CLOSED:
            raise Conflict(f"case {self.reference} is already closed")
        previous = self.stage
        self.closed_from, self.stage, self.status = previous, lifecycle.CLOSED, CLOSED
        self.outcome, self.outcome_reason, self.updated_at = outcome, reason, now
        self.announce(
            events.CASE_CLOSED,
            {"previous_stage": previous, "outcome": outcome, "closed_at": isoformat(now)},
            actor,
            {"stage": previous},
            {"stage": lifecycle.CLOSED, "outcome": outcome},
        )

    def reopen(self, now: datetime) -> str | None:
        """Open again, at the stage it was closed from (or the one before a decision). Returns
        the outcome it had; the caller starts the stage's clocks and announces the reopening."""
        if self.stage != lifecycle.CLOSED:
            raise Conflict(f"case {self.reference} is open ({self.stage}): nothing to reopen")
        self.stage = lifecycle.reopen_stage(self.closed_from)
        self.status, self.updated_at = OPEN, now
        previous_outcome, self.outcome, self.outcome_reason = self.outcome, None, None
        return previous_outcome

    def announce(
        self,
        event_type: str,
        data: dict[str, Any],
        actor: str,
        before: Any,
        after: Any,
        causation_id: str | None = None,
    ) -> None:
        """A change of the case, announced (the event carries no personal data) and audited
        (who, before and after) together."""
        event = events.case_event(event_type, self, data, causation_id)
        self.record_change(self._change(event.type, actor, before, after, event, causation_id))

    def audit(self, action: str, actor: str, before: Any, after: Any) -> None:
        """An entry on the case's audit trail that announces nothing (a note written, a notice
        proposed): who, and what changed, never what a note says."""
        self.record_change(self._change(action, actor, before, after))

    def _change(
        self,
        action: str,
        actor: str,
        before: Any,
        after: Any,
        event: Any = None,
        causation_id: str | None = None,
    ) -> Change:
        return Change(
            actor=actor,
            entity_type="case",
            entity_id=self.id,
            case_id=self.id,
            correlation_id=self.correlation_id,
            causation_id=causation_id,
            before=before,
            after=after,
            event=event,
            action=action,
        )


def format_reference(year: int, sequence: int) -> str:
    """Human-friendly, sortable within a year: ``HO-2026-000001``."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{REFERENCE_PREFIX}-{year}-{sequence:06d}"


def applicant_name(name: object) -> str | None:
    """The name the enquiry form declared as the applicant's (its ``applicant_name`` role)."""
    return name.strip()[:200] if isinstance(name, str) and name.strip() else None


def postcode_key(postcode: object) -> str | None:
    """A postcode as cases are found by it: upper case, no spaces (``sw1a 1aa`` -> ``SW1A1AA``);
    None for anything that is not a postcode's length."""
    if not isinstance(postcode, str):
        return None
    compact = "".join(postcode.split()).upper()
    return compact if 2 <= len(compact) <= 8 and compact.isalnum() else None


def referral(roles: dict) -> dict:
    """The duty to refer (HA 1996 s.213B) as the form's roles report it: the public body that
    referred the applicant and whether they consented; nothing when they came themselves."""
    referred_by = roles.get("referred_by")
    if not isinstance(referred_by, str) or referred_by in ("", "self"):
        return {"referred_by": None, "referral_consent": None}
    consent = roles.get("referral_consent")
    return {
        "referred_by": referred_by[:40],
        "referral_consent": consent if isinstance(consent, bool) else None,
    }
