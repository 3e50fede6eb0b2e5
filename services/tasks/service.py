"""Tasks service: nameko entrypoints only (see services/cases/service.py on requeue_on_error).

The activation timer fires in every replica; that is safe because activation claims each task
with a conditional update (see ``repository.claim_activation``).
"""

from __future__ import annotations

from typing import Any

from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.timer import timer

from services.tasks import operations, repository
from services.tasks.events import task_summary
from services.tasks.models import metadata
from services.tasks.schemas import CASE_ARGS, CompleteTaskSchema
from services.tasks.seed import load_seed
from shared.clock import utcnow
from shared.errors import EXPECTED_ERRORS
from shared.unit_of_work import UnitOfWorkProvider
from shared.validation import load, load_arguments

ACTIVATION_SCAN_SECONDS = 2


class TasksService:
    name = "tasks"

    uow = UnitOfWorkProvider(metadata, seed=load_seed)

    @event_handler("cases", "case.opened", requeue_on_error=True)
    def create_tasks_for_case(self, message: dict) -> None:
        self.uow.handle_event(message, "create_tasks_for_case", operations.create_tasks_for_case)

    @timer(interval=ACTIVATION_SCAN_SECONDS)
    def activate_due_tasks(self) -> None:
        with self.uow.transaction() as tx:
            operations.activate_due_tasks(tx, utcnow())

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_tasks(self, case_id: str) -> list[dict[str, Any]]:
        """The case's tasks, in creation order."""
        load_arguments(CASE_ARGS, case_id=case_id)
        with self.uow.read() as session:
            return [task_summary(t) for t in repository.tasks_of_case(session, case_id)]

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def complete_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{task_id, outcome, actor}``: complete an active task; successors are scheduled."""
        args = load(CompleteTaskSchema(), request)
        with self.uow.transaction() as tx:
            task = operations.complete_task(tx, args["task_id"], args["outcome"], args["actor"])
            return task_summary(task)
