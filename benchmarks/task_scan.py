"""How long does one scheduler scan of the tasks service take with 1,000,000 stored tasks?

    python benchmarks/task_scan.py [--tasks 1000000] [--due 200] \
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Creates a throw-away PostgreSQL database, migrates it, fills it with tasks in realistic states
(mostly completed, some active with alerts already raised, pending ones due later) plus `--due`
tasks whose activation or alerts are due now, then times the scan the service's timer runs
(activation, then warning/overdue/escalation alerts) in one transaction, rolled back so it can
be repeated: first with work due, then an idle scan with nothing due. Target (issue #6): <= 50 ms
per scan, the work proportional to the due tasks, not to all tasks. Drops the database at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.tasks import operations  # noqa: E402
from services.tasks.calendar import WorkingCalendar  # noqa: E402
from shared.clock import utcnow  # noqa: E402
from shared.db import create_engine_for, normalise_url  # noqa: E402
from shared.migrations import prepare_database  # noqa: E402
from shared.unit_of_work import Transaction  # noqa: E402

FILL = """
INSERT INTO tasks (id, case_id, case_reference, correlation_id, workflow, template_key, position,
                   kind, mandatory, definition, name, owner, status, customer_facing,
                   activate_at, activated_at, due_at, warn_at, escalate_at, warned_at,
                   overdue_at, escalated_at, completed_at, revision, created_at)
SELECT md5(g::text || :salt), md5((g / 5)::text), 'HO-2026-' || lpad((g / 5)::text, 6, '0'),
       md5((g / 5)::text || 'c'), 'prevention', 'task' || (g % 5), g % 5, 'framework', false,
       '{"key": "t", "name": "T", "due_in": {"amount": 2, "unit": "days"}}', 'Task', 'team:x',
       CASE WHEN g % 10 < 7 THEN 'completed' WHEN g % 10 < 9 THEN 'active' ELSE 'pending' END,
       false,
       CASE WHEN g % 10 = 9 THEN :now + (g % 1000 + 1) * interval '1 hour'
            ELSE :now - interval '30 days' END,
       CASE WHEN g % 10 < 9 THEN :now - interval '30 days' END,
       CASE WHEN g % 10 < 9 THEN :now - interval '20 days' END,
       CASE WHEN g % 10 < 9 THEN :now - interval '21 days' END,
       CASE WHEN g % 10 < 9 THEN :now - interval '19 days' END,
       CASE WHEN g % 10 < 9 THEN :now - interval '21 days' END,
       CASE WHEN g % 10 < 9 THEN :now - interval '20 days' END,
       CASE WHEN g % 10 < 9 THEN :now - interval '19 days' END,
       CASE WHEN g % 10 < 7 THEN :now - interval '25 days' END,
       1, :now - interval '30 days'
FROM generate_series(1, :count) AS g
"""
DUE = """
UPDATE tasks SET activate_at = :now - interval '1 minute'
WHERE id IN (SELECT id FROM tasks WHERE status = 'pending' LIMIT :due);
UPDATE tasks SET warned_at = NULL, overdue_at = NULL, escalated_at = NULL,
                 warn_at = :now - interval '1 hour', due_at = :now - interval '1 minute',
                 escalate_at = :now + interval '1 day'
WHERE id IN (SELECT id FROM tasks WHERE status = 'active' LIMIT :due);
"""


def timed_scan(engine: sa.Engine, working: WorkingCalendar) -> tuple[float, int, int]:
    with Session(engine) as session:
        session.begin()
        tx = Transaction(session, "tasks", None)
        start = time.perf_counter()
        now = utcnow()
        activated = operations.activate_due_tasks(tx, now, working)
        alerts = operations.raise_task_alerts(tx, now)
        elapsed = time.perf_counter() - start
        session.rollback()
    return elapsed, activated, alerts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    admin = sa.create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
    name = f"bench_tasks_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_engine_for(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        prepare_database(engine, "tasks")
        now = utcnow()
        start = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(sa.text(FILL), {"count": args.tasks, "now": now, "salt": name})
            connection.execute(sa.text(DUE), {"now": now, "due": args.due})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE tasks"))
        print(f"stored {args.tasks:,} tasks in {time.perf_counter() - start:.1f} s")

        working = WorkingCalendar()
        busy = [timed_scan(engine, working) for _ in range(args.repeat)]
        _, activated, alerts = busy[0]
        busy_ms = statistics.median(b[0] for b in busy) * 1000
        with engine.begin() as connection:  # nothing due any more
            connection.execute(
                sa.text(
                    "UPDATE tasks SET activate_at = :later "
                    "WHERE status = 'pending' AND activate_at <= :now"
                ),
                {"later": now + timedelta(days=400), "now": now + timedelta(minutes=1)},
            )
            connection.execute(
                sa.text(
                    "UPDATE tasks SET warned_at = :now, overdue_at = :now "
                    "WHERE status = 'active' AND (warned_at IS NULL OR overdue_at IS NULL)"
                ),
                {"now": now},
            )
        idle = [timed_scan(engine, working) for _ in range(args.repeat)]
        idle_ms = statistics.median(i[0] for i in idle) * 1000
        print(
            f"scan with work due: {busy_ms:7.1f} ms median of {args.repeat} "
            f"({activated} activated, {alerts} alerts raised, events and audit built)"
        )
        print(f"idle scan:          {idle_ms:7.1f} ms median of {args.repeat} (nothing due)")
        print(f"per due item:       {busy_ms / max(1, activated + alerts):7.3f} ms")
        print(
            f"target <= 50 ms per scan with {args.due} due of each kind: "
            f"{'met' if busy_ms <= 50 else 'NOT met'}; idle scan "
            f"{'met' if idle_ms <= 50 else 'NOT met'}"
        )
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
