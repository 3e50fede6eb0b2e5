"""Tasks service: nameko entrypoints only. Each decodes its request into a typed command
(``schemas``, ``commands``), calls one use case (``operations``, ``duties``) and encodes what it
returns. See cases/service.py on requeue_on_error.

The scheduler timer fires in every replica; that is safe because activation and each alert are
claimed per task with a conditional update (see ``repository.claim_activations`` and
``claim_alerts``), and rows another replica is working on are skipped (SKIP LOCKED).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from marshmallow import Schema
from nameko.dependency_providers import Config
from nameko.timer import timer

from services.tasks import duties, operations
from services.tasks.events import task_summary
from services.tasks.models import metadata
from services.tasks.policy import POLICY
from services.tasks.schemas import (
    AddClosureDaySchema,
    AddTaskSchema,
    CancelTaskSchema,
    CompleteTaskSchema,
    FindTasksSchema,
    FrameworkSummarySchema,
    HoldTaskSchema,
    ListFrameworksSchema,
    ListTasksSchema,
    LoadFrameworksSchema,
    ReassignTaskSchema,
    ReleaseTaskSchema,
    StartTaskSchema,
)
from services.tasks.seed import load_seed
from shared import nameko_wiring
from shared.bus import event_handler
from shared.nameko_wiring import UnitOfWorkProvider, rpc
from shared.validation import load

SCAN_SECONDS = 2


# The relay is referenced through its module: `nameko run` would start any class with
# entrypoints that this module names.
class TasksService(nameko_wiring.OutboxRelay):
    name = "tasks"

    uow = UnitOfWorkProvider(metadata, seed=load_seed)
    caller = nameko_wiring.CallerProvider(POLICY)
    config = Config()

    @property
    def _calendar_nation(self) -> str:
        """Whose bank holidays are not working days (``WorkingCalendar.NATIONS``)."""
        return self.config.get("TASKS_NATION", "england_wales")

    def _follow(self, message: dict, use_case: Any) -> None:
        self.uow.handle_event(message, partial(use_case, calendar_nation=self._calendar_nation))

    def _run(self, use_case: Any, schema: Schema | None = None, request: Any = None) -> Any:
        """Decode ``request`` with ``schema`` (if any) and run the use case in a transaction."""
        arguments = () if schema is None else (load(schema, request),)
        with self.uow.transaction() as tx:
            return use_case(tx, *arguments)

    def _change(self, use_case: Any, schema: Schema, request: Any) -> dict[str, Any]:
        return task_summary(self._run(use_case, schema, request))

    def _change_on_calendar(self, use_case: Any, schema: Schema, request: Any) -> dict[str, Any]:
        calendared = partial(use_case, calendar_nation=self._calendar_nation)
        return self._change(calendared, schema, request)

    @event_handler("cases", "case.opened", requeue_on_error=True)
    def create_tasks_for_case(self, message: dict) -> None:
        council_nation = self.config.get("COUNCIL_NATION") or None
        self._follow(
            message, partial(operations.create_tasks_for_case, council_nation=council_nation)
        )

    @event_handler("enquiry", "enquiry.workflow_changed", requeue_on_error=True)
    def follow_workflow_change(self, message: dict) -> None:
        self._follow(message, operations.follow_workflow_change)

    @event_handler("cases", "case.stage_changed", requeue_on_error=True)
    def follow_stage_change(self, message: dict) -> None:
        """A duty stage entered starts its duty tasks; a duty stage left cancels them."""
        self._follow(message, duties.follow_stage_change)

    @event_handler("cases", "case.reopened", requeue_on_error=True)
    def follow_case_reopened(self, message: dict) -> None:
        self._follow(message, duties.follow_case_reopened)

    @event_handler("cases", "case.assigned", requeue_on_error=True)
    def follow_case_assigned(self, message: dict) -> None:
        """Tasks that follow the case owner take the case's new owner."""
        self.uow.handle_event(message, operations.follow_case_assigned)

    @event_handler("cases", "case.closed", requeue_on_error=True)
    def follow_case_closed(self, message: dict) -> None:
        self.uow.handle_event(message, duties.follow_case_closed)

    @event_handler("cases", "case.clock_corrected", requeue_on_error=True)
    def follow_clock_corrected(self, message: dict) -> None:
        """The day a duty began was corrected: its anchored tasks move with it."""
        self._follow(message, duties.follow_clock_corrected)

    @event_handler("cases", "case.duty_ended", requeue_on_error=True)
    def follow_duty_ended(self, message: dict) -> None:
        self.uow.handle_event(message, duties.follow_duty_ended)

    @timer(interval=SCAN_SECONDS)
    def run_scheduler(self) -> None:
        """Activate due tasks, then raise due warnings, overdue and escalation alerts."""
        self._run(partial(operations.scan_tasks, calendar_nation=self._calendar_nation))

    @rpc
    def list_tasks(self, case_id: str) -> list[dict[str, Any]]:
        """The case's tasks, in the framework's order, then ad-hoc tasks as added."""
        found = self._run(operations.list_tasks, ListTasksSchema(), {"case_id": case_id})
        return [task_summary(task) for task in found]

    @rpc(records_actor=False)
    def find_tasks(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """``{owner?, status?, due_today?, overdue?, page?, page_size?}``: my tasks
        (``officer:<id>``), a team's (``team:<name>``), due today, overdue; soonest due first."""
        found = self._run(operations.find_tasks, FindTasksSchema(), query or {})
        return {**found, "items": [task_summary(task) for task in found["items"]]}

    @rpc
    def start_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, actor}``: active → in_progress."""
        return self._change(operations.start_task, StartTaskSchema(), request)

    @rpc
    def complete_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, outcome, actor}``: complete an active task; successors are scheduled."""
        return self._change_on_calendar(operations.complete_task, CompleteTaskSchema(), request)

    @rpc
    def hold_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, reason, actor}``: pause the task's deadlines."""
        return self._change(operations.hold_task, HoldTaskSchema(), request)

    @rpc
    def release_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, actor}``: resume; deadlines move later by the time on hold."""
        return self._change(operations.release_task, ReleaseTaskSchema(), request)

    @rpc
    def reassign_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, owner, actor}``."""
        return self._change(operations.reassign_task, ReassignTaskSchema(), request)

    @rpc
    def cancel_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, reason, actor}``: tasks waiting for it are released."""
        return self._change_on_calendar(operations.cancel_task, CancelTaskSchema(), request)

    @rpc
    def add_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case_id, name, owner, due_in: {amount, unit}, customer_facing?, request_id?,
        actor}``; the same ``request_id`` again answers with the task it added."""
        return self._change_on_calendar(operations.add_task, AddTaskSchema(), request)

    @rpc
    def add_closure_day(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{day, reason, actor}``: a local closure day, not a working day from now on."""
        added = self._run(operations.add_closure_day, AddClosureDaySchema(), request)
        return {"day": added.day.isoformat(), "reason": added.reason}

    @rpc
    def list_closure_days(self) -> list[dict[str, Any]]:
        return [
            {"day": row.day.isoformat(), "reason": row.reason}
            for row in self._run(operations.list_closure_days)
        ]

    @rpc(records_actor=False)
    def list_frameworks(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """``{workflow?, page?, page_size? (1-100)}``: the stored framework editions, by
        workflow then first day in force: ``{items, total, page, page_size}``."""
        found = self._run(operations.list_frameworks, ListFrameworksSchema(), query or {})
        return {**found, "items": FrameworkSummarySchema(many=True).dump(found["items"])}

    @rpc
    def load_frameworks(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{document, actor}``: a framework document as the loader takes it (docs/tasks.md),
        stored as the council's. ``{editions: [summary + change]}``; ``ValidationFailed``
        naming every wrong field (``document.frameworks.<workflow>...``), nothing stored."""
        stored = self._run(operations.load_frameworks, LoadFrameworksSchema(), request)
        return {
            "editions": [
                {**FrameworkSummarySchema().dump(loaded.row), "change": loaded.change}
                for loaded in stored
            ]
        }
