"""Tasks service: nameko entrypoints only (see cases/service.py on requeue_on_error).

The scheduler timer fires in every replica; that is safe because activation and each alert are
claimed per task with a conditional update (see ``repository.claim_activation`` and
``claim_alert``), and rows another replica is working on are skipped (SKIP LOCKED).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from nameko.dependency_providers import Config
from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.timer import timer

from services.tasks import duties, operations, repository
from services.tasks.calendar import WorkingCalendar
from services.tasks.domain import LONDON
from services.tasks.events import task_summary
from services.tasks.models import ClosureDay, metadata
from services.tasks.schemas import (
    CASE_ARGS,
    AddTaskSchema,
    ClosureDaySchema,
    CompleteTaskSchema,
    FindTasksSchema,
    ReasonedActionSchema,
    ReassignTaskSchema,
    TaskActionSchema,
)
from services.tasks.seed import load_seed
from shared import nameko_wiring
from shared.clock import utcnow
from shared.errors import EXPECTED_ERRORS, Conflict
from shared.nameko_wiring import UnitOfWorkProvider
from shared.validation import load, load_arguments

SCAN_SECONDS = 2


# The relay is referenced through its module: `nameko run` would start any class with
# entrypoints that this module names.
class TasksService(nameko_wiring.OutboxRelay):
    name = "tasks"

    uow = UnitOfWorkProvider(metadata, seed=load_seed)
    config = Config()

    def _calendar(self, session: Any) -> WorkingCalendar:
        return operations.working_calendar(
            session, self.config.get("TASKS_NATION", "england_wales")
        )

    def _with_calendar(self, message: dict, apply: Any) -> None:
        with self.uow.read() as session:
            working = self._calendar(session)
        self.uow.handle_event(message, partial(apply, working=working))

    def _change(self, schema: Any, request: Any, change: Any, needs_calendar: bool = False) -> dict:
        args = load(schema, request)
        with self.uow.transaction() as tx:
            if needs_calendar:
                change = partial(change, working=self._calendar(tx.session))
            return task_summary(change(tx, args))

    @event_handler("cases", "case.opened", requeue_on_error=True)
    def create_tasks_for_case(self, message: dict) -> None:
        nation = self.config.get("COUNCIL_NATION") or None
        self._with_calendar(
            message,
            partial(operations.create_tasks_for_case, council_nation=nation),
        )

    @event_handler("enquiry", "enquiry.workflow_changed", requeue_on_error=True)
    def follow_workflow_change(self, message: dict) -> None:
        self._with_calendar(message, operations.follow_workflow_change)

    @event_handler("cases", "case.stage_changed", requeue_on_error=True)
    def follow_stage_change(self, message: dict) -> None:
        """A duty stage entered starts its duty tasks; a duty stage left cancels them."""
        self._with_calendar(message, duties.follow_stage_change)

    @event_handler("cases", "case.reopened", requeue_on_error=True)
    def follow_case_reopened(self, message: dict) -> None:
        self._with_calendar(message, duties.follow_case_reopened)

    @event_handler("cases", "case.closed", requeue_on_error=True)
    def follow_case_closed(self, message: dict) -> None:
        self.uow.handle_event(message, duties.follow_case_closed)

    @event_handler("cases", "case.clock_corrected", requeue_on_error=True)
    def follow_clock_corrected(self, message: dict) -> None:
        """The day a duty began was corrected: its anchored tasks move with it."""
        self._with_calendar(message, duties.follow_clock_corrected)

    @event_handler("cases", "case.duty_ended", requeue_on_error=True)
    def follow_duty_ended(self, message: dict) -> None:
        self.uow.handle_event(message, duties.follow_duty_ended)

    @timer(interval=SCAN_SECONDS)
    def run_scheduler(self) -> None:
        """Activate due tasks, then raise due warnings, overdue and escalation alerts."""
        with self.uow.transaction() as tx:
            now = utcnow()
            operations.activate_due_tasks(tx, now, self._calendar(tx.session))
            operations.raise_task_alerts(tx, now)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_tasks(self, case_id: str) -> list[dict[str, Any]]:
        """The case's tasks, in the framework's order, then ad-hoc tasks as added."""
        load_arguments(CASE_ARGS, case_id=case_id)
        with self.uow.read() as session:
            return [task_summary(t) for t in repository.tasks_of_case(session, case_id)]

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def find_tasks(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """``{owner?, status?, due_today?, overdue?, page?, page_size?}``: my tasks
        (``officer:<id>``), a team's (``team:<name>``), due today, overdue; soonest due first."""
        args = load(FindTasksSchema(), query or {})
        now = utcnow()
        tomorrow = now.astimezone(LONDON).date() + timedelta(days=1)
        end_of_today = datetime.combine(tomorrow, time(0), tzinfo=LONDON)
        with self.uow.read() as session:
            found = repository.find_tasks(session, args, now, end_of_today)
            return {**found, "items": [task_summary(t) for t in found["items"]]}

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def start_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, actor}``: active → in_progress."""
        return self._change(TaskActionSchema(), request, operations.start_task)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def complete_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, outcome, actor}``: complete an active task; successors are scheduled."""
        return self._change(CompleteTaskSchema(), request, operations.complete_task, True)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def hold_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, reason, actor}``: pause the task's deadlines."""
        return self._change(ReasonedActionSchema(), request, operations.hold_task)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def release_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, actor}``: resume; deadlines move later by the time on hold."""
        return self._change(TaskActionSchema(), request, operations.release_task)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reassign_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, owner, actor}``."""
        return self._change(ReassignTaskSchema(), request, operations.reassign_task)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, reason, actor}``: tasks waiting for it are released."""
        return self._change(ReasonedActionSchema(), request, operations.cancel_task, True)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case_id, name, owner, due_in: {amount, unit}, customer_facing?, request_id?,
        actor}``; the same ``request_id`` again answers with the task it added."""
        return self._change(AddTaskSchema(), request, operations.add_task, True)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_closure_day(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{day, reason, actor}``: a local closure day, not a working day from now on."""
        args = load(ClosureDaySchema(), request)
        with self.uow.transaction() as tx:
            if tx.session.get(ClosureDay, args["day"]) is not None:
                raise Conflict(f"{args['day']} is already a closure day")
            tx.session.add(ClosureDay(day=args["day"], reason=args["reason"]))
            tx.audit(
                actor=args["actor"],
                action="closure_day.added",
                entity_type="closure_day",
                entity_id=args["day"].isoformat(),
                correlation_id="calendar",
                after={"day": args["day"].isoformat(), "reason": args["reason"]},
            )
        return {"day": args["day"].isoformat(), "reason": args["reason"]}

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_closure_days(self) -> list[dict[str, Any]]:
        with self.uow.read() as session:
            rows = session.query(ClosureDay).order_by(ClosureDay.day)
            return [{"day": row.day.isoformat(), "reason": row.reason} for row in rows]
