"""A test-only service that records every event the suite publishes, in arrival order."""

from __future__ import annotations

import time
from typing import Any

from nameko.events import event_handler

from shared.contracts import TASK_EVENTS

PUBLISHED = [
    ("enquiry", "enquiry.started"),
    ("enquiry", "enquiry.submitted"),
    ("enquiry", "enquiry.workflow_changed"),
    ("cases", "case.opened"),
    ("cases", "case.stage_changed"),
    ("cases", "case.assigned"),
    ("cases", "case.closed"),
    ("cases", "case.reopened"),
    ("cases", "case.clock_warning"),
    ("cases", "case.clock_period_ended"),
    ("cases", "case.duty_ended"),
    ("cases", "case.decision_notified"),
    ("cases", "case.findings_recorded"),
    ("cases", "case.clock_corrected"),
    ("advice", "advice.matched"),
    ("tasks", "task.plan_created"),
    *[("tasks", event_type) for event_type in TASK_EVENTS],
    ("documents", "document.generated"),
    *[
        (source, "audit.recorded")
        for source in ("enquiry", "cases", "advice", "tasks", "documents")
    ],
]


def make_recorder() -> tuple[type, list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []
    namespace: dict[str, Any] = {"name": "recorder"}
    for source, event_type in PUBLISHED:
        method = f"on_{source}_{event_type.replace('.', '_')}"

        def record(self: Any, message: dict[str, Any]) -> None:
            received.append(message)

        record.__name__ = method
        namespace[method] = event_handler(source, event_type)(record)
    return type("Recorder", (), namespace), received


def wait_for(predicate: Any, timeout: float = 20.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


def of_type(received: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [m for m in received if m.get("type") == event_type]
