"""How long the officers' case page takes to render for a big case: 200 tasks and 2,000 audit
timeline entries (issue 16's target: under 300 ms of server time).

    python benchmarks/case_page.py

Measures the page's own work in the gateway: rendering the template with the GOV.UK macros
from data shaped as the services return it, side by side with a small case (10 tasks, 50
entries) in the same run. The RPCs that fetch the data are measured by benchmarks/gateway.py
(``get_case`` through the gateway) and are not repeated here."""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from services.gateway.web.rendering import page
from services.gateway.web.workspace import case_page_context

RUNS = 30
SCOPE = {"type": "http", "method": "GET", "path": "/work/cases/HO-2026-000001", "headers": []}
TARGET_MS = 300.0


def case_data(tasks: int, entries: int) -> dict:
    today = date.today()
    due = (today + timedelta(days=40)).isoformat()
    case = {
        "id": "c" * 36,
        "reference": "HO-2026-000001",
        "enquiry_id": "e" * 36,
        "applicant_name": "Jo Bloggs",
        "stage": "prevention",
        "status": "open",
        "workflow": "private_rented_eviction",
        "suggested_duty": "prevention",
        "owner": "officer:1",
        "team": "housing-options",
        "advice": {"statements": [{"key": f"s{i}", "title": f"Statement {i}"} for i in range(25)]},
        "notes": [
            {"text": f"Note {i}", "author": "officer:1", "created_at": "2026-11-25T10:00:00"}
            for i in range(20)
        ],
        "documents": [
            {"document_id": f"d{i}", "kind": "information_pack", "version": i} for i in range(5)
        ],
    }
    statuses = ("active", "in_progress", "on_hold", "completed", "pending")
    task_rows = [
        {
            "task_id": f"t{i}",
            "name": f"Task number {i} with a realistic length of name to show",
            "status": statuses[i % len(statuses)],
            "due_at": f"{due}T17:00:00+00:00",
        }
        for i in range(tasks)
    ]
    timeline = [
        {
            "sequence": i,
            "occurred_at": "2026-11-25T10:00:00+00:00",
            "actor": "officer:1",
            "action": "case.viewed",
        }
        for i in range(entries)
    ]
    case["clocks"] = [{"kind": "prevention_duty", "due_on": due, "citation": "HA 1996 s.195(8)(b)"}]
    answers = {f"question_{i}": f"answer {i}" for i in range(40)}
    return {
        "case": case,
        "tasks": task_rows,
        "timeline": timeline,
        "answers": answers,
        "verification": {"valid": True, "entries": entries, "problem": None},
    }


def timed(data: dict) -> tuple[float, float, int]:
    times = []
    size = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        # The page's own work: choosing what to show (one page of the timeline, the clocks
        # in words) and rendering it.
        context = case_page_context(
            data["case"],
            answers=data["answers"],
            tasks=data["tasks"],
            timeline=data["timeline"],
            verification=data["verification"],
        )
        response = page(
            "case.html",
            title="Case",
            csrf_token="x",
            problem=None,
            errors={},
            typed={},
            back_link="/work",
            staff=True,
            **context,
        )
        # A page renders when it is sent, in the request's language (rendering.PageResponse).
        response.render_for(SCOPE)
        times.append((time.perf_counter() - started) * 1000)
        size = len(response.body)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], size


def main() -> None:
    small = timed(case_data(10, 50))
    big = timed(case_data(200, 2000))
    print(f"case page rendering, {RUNS} runs each (median / p95 ms, page size)")
    print(
        f"  10 tasks, 50 entries       {small[0]:8.1f} {small[1]:8.1f}  {small[2] / 1024:7.0f} KiB"
    )
    print(f"  200 tasks, 2,000 entries   {big[0]:8.1f} {big[1]:8.1f}  {big[2] / 1024:7.0f} KiB")
    print(f"  ratio big / small          {big[0] / small[0]:8.1f}")
    verdict = "met" if big[1] < TARGET_MS else "NOT met"
    print(f"target: under {TARGET_MS:.0f} ms for the big case (p95 of rendering): {verdict}")


if __name__ == "__main__":
    main()
