"""Warnings before a statutory period's last day, and notice on the day after it: each raised
once per clock, whichever replica's scan gets there first, catching up after downtime."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from services.cases import case_work, decisions, events, lifecycle
from services.cases.models import Case, CaseClock
from shared.clock import utcnow
from shared.periods import Ending
from shared.unit_of_work import Transaction

ALERTS = {
    # event type, the clock's trigger date column, the column recording it was raised
    "warning": (events.CASE_CLOCK_WARNING, CaseClock.warn_on, "warned_at"),
    "period_ended": (events.CASE_CLOCK_PERIOD_ENDED, CaseClock.due_on, "period_ended_at"),
}


def raise_clock_alerts(tx: Transaction, today: date, limit: int = 500) -> int:
    raised = 0
    for kind, (event_type, trigger, flag) in ALERTS.items():
        column = getattr(CaseClock, flag)
        # A warning is due from its warn_on date; the end of the period the day after its last
        # day (due_on): never on the last day itself, which is still inside the period.
        due = trigger <= today if kind == "warning" else trigger < today
        candidates = tx.session.scalars(
            sa.select(CaseClock.id)
            .where(CaseClock.stopped_on.is_(None), column.is_(None), trigger.is_not(None), due)
            .order_by(trigger)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for clock_id in candidates:
            claimed = tx.session.execute(
                sa.update(CaseClock)
                .where(CaseClock.id == clock_id, column.is_(None))
                .values({flag: utcnow()})
            ).rowcount
            if claimed == 1:
                _announce(tx, tx.session.get(CaseClock, clock_id), kind, event_type, today)
                raised += 1
    return raised


def _announce(tx: Transaction, clock: CaseClock, kind: str, event_type: str, today: date) -> None:
    case = tx.session.get(Case, clock.case_id)
    view: dict[str, Any] = case_work.clock_view(clock, today)
    view["days_left"] = (clock.due_on - today).days
    tx.emit(events.case_event(event_type, case, {"clock": view}))
    tx.audit(
        actor="system:cases",
        action=event_type,
        entity_type="case_clock",
        entity_id=str(clock.id),
        case_id=case.id,
        correlation_id=case.correlation_id,
        after={"kind": clock.kind, "due_on": view["due_on"], "state": kind},
    )
    if (
        kind == "period_ended"
        and clock.kind == decisions.DUTY_CLOCK[lifecycle.RELIEF]
        and clock.ending == Ending.ENDS_AUTOMATICALLY
    ):
        decisions.end_relief_by_itself(tx, case, clock)
