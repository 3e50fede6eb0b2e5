"""Warnings before a statutory period's last day, and notice on the day after it: each raised
once per clock, whichever replica's scan gets there first, catching up after downtime."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.cases import case_work, decisions, events, lifecycle, repository
from services.cases.models import Case, CaseClock
from shared.clock import utcnow
from shared.periods import Ending
from shared.unit_of_work import Transaction

ALERTS = {"warning": events.CASE_CLOCK_WARNING, "period_ended": events.CASE_CLOCK_PERIOD_ENDED}


def raise_clock_alerts(tx: Transaction, today: date, limit: int = 500) -> int:
    raised = 0
    for alert, event_type in ALERTS.items():
        for clock_id in repository.clocks_due_for_alert(tx.session, alert, today, limit):
            if repository.claim_alert(tx.session, clock_id, alert, utcnow()):
                _announce(tx, tx.session.get(CaseClock, clock_id), alert, event_type, today)
                raised += 1
    return raised


def _announce(tx: Transaction, clock: CaseClock, kind: str, event_type: str, today: date) -> None:
    case = tx.session.get(Case, clock.case_id)
    view: dict[str, Any] = case_work.clock_view(clock, today)
    view["days_left"] = (clock.due_on - today).days
    tx.record(
        events.case_event(event_type, case, {"clock": view}),
        actor="system:cases",
        entity_type="case_clock",
        entity_id=str(clock.id),
        case_id=case.id,
        after={"kind": clock.kind, "due_on": view["due_on"], "state": kind},
    )
    if (
        kind == "period_ended"
        and clock.kind == lifecycle.DUTY_CLOCK[lifecycle.RELIEF]
        and clock.ending == Ending.ENDS_AUTOMATICALLY
    ):
        decisions.end_relief_by_itself(tx, case, clock)
