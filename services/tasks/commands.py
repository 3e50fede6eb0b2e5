"""What each RPC of the tasks service asks for, as typed values: the schemas in ``schemas.py``
validate a request and build one of these (``post_load``); the use cases in ``operations.py``
take them. Pure: no nameko, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.tasks.domain import Lag


@dataclass(frozen=True)
class ListTasks:
    case_id: str


@dataclass(frozen=True)
class FindTasks:
    owner: str | None = None
    status: str | None = None
    due_today: bool = False
    overdue: bool = False
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class StartTask:
    task_id: str
    actor: str


@dataclass(frozen=True)
class CompleteTask:
    task_id: str
    outcome: str
    actor: str


@dataclass(frozen=True)
class HoldTask:
    task_id: str
    reason: str
    actor: str


@dataclass(frozen=True)
class ReleaseTask:
    task_id: str
    actor: str


@dataclass(frozen=True)
class ReassignTask:
    task_id: str
    owner: str
    actor: str


@dataclass(frozen=True)
class CancelTask:
    task_id: str
    reason: str
    actor: str


@dataclass(frozen=True)
class AddTask:
    case_id: str
    name: str
    owner: str
    due_in: Lag
    actor: str
    customer_facing: bool = False
    # Idempotency key: the same key on the same case answers with the task it added.
    request_id: str | None = None


@dataclass(frozen=True)
class AddClosureDay:
    day: date
    reason: str
    actor: str


@dataclass(frozen=True)
class ListFrameworks:
    workflow: str | None = None
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class LoadFrameworks:
    # A framework document as a council writes it (``frameworks.parse_document`` checks it).
    document: dict[str, Any]
    actor: str


TaskAction = StartTask | CompleteTask | HoldTask | ReleaseTask | ReassignTask | CancelTask
