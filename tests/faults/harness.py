"""The fault suite's machinery: the five services as `nameko run` processes (what every container
runs) that can be killed and restarted, RabbitMQ restarts, transient database failures injected
under a handler, a submitter that retries like a real front end, and a census of what the suite
holds at the end."""

from __future__ import annotations

import contextlib
import hashlib
import json
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import eventlet
import sqlalchemy as sa

from scripts.demo import TEMPLATE_KEY, sample_answers
from services.documents.encryption import KeyProblem, Keyring
from services.documents.file_store import FileStore
from shared import manage
from shared.db import normalise_url
from shared.errors import EXPECTED_ERRORS
from tests.identity import SignedRpc

# --- the services (processes: scripts/processes.py) --------------------------------------------


def wait_healthy(config: dict[str, Any], services: list[str], timeout: float = 90.0) -> None:
    """Until each service answers ``health`` with status ok (the orchestrator's probe)."""
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending:
        pending = [s for s in pending if manage.health(s, config["AMQP_URI"])[0] != 0]
        if pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"not healthy within {timeout}s: {pending}")
            time.sleep(0.5)


# --- the faults -------------------------------------------------------------------------------


def restart_rabbitmq() -> None:
    """Stop and start the RabbitMQ application on the node: every connection drops, durable
    queues and persistent messages are recovered from disk."""
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, capture_output=True)
    time.sleep(1)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "-q", "await_startup"], check=True, capture_output=True)


@contextmanager
def failing_inserts(database_url: str, table: str, probability: float = 0.5) -> Iterator[None]:
    """While inside, each insert into ``table`` fails with that probability: a database trigger,
    so the service's own code runs unchanged and sees an ordinary database error."""
    engine = sa.create_engine(normalise_url(database_url), isolation_level="AUTOCOMMIT")
    name = f"injected_fault_{table}"
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                sa.text(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                    f"IF random() < {probability} THEN "
                    f"RAISE EXCEPTION 'injected transient fault on {table}'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                sa.text(
                    f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            )
        else:
            threshold = int(probability * 1000)
            connection.execute(
                sa.text(
                    f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                    f"WHEN abs(random()) % 1000 < {threshold} BEGIN "
                    f"SELECT RAISE(ABORT, 'injected transient fault on {table}'); END"
                )
            )
    try:
        yield
    finally:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            else:
                connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        engine.dispose()


def failed_attempts(database_url: str) -> int:
    """Handler attempts that failed and were retried (or parked), as the service counted them."""
    return scalar(database_url, "SELECT coalesce(sum(attempts), 0) FROM event_failures")


# --- the customers ----------------------------------------------------------------------------

NO_NOTICE = {
    "has_notice": None,
    "notice_type": None,
    "notice_ground": None,
    "notice_served_date": None,
    "notice_expiry_date": None,
    "tenancy_start_date": None,
}
WORKFLOW_VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("private_rented_eviction", {}),
    ("domestic_abuse", {"fleeing_violence": True}),
    (
        "relief",
        {
            **NO_NOTICE,
            "tenure": "no_fixed_abode",
            "homeless_tonight": True,
            "rough_sleeping": False,
        },
    ),
    (
        "mortgage_arrears",
        {**NO_NOTICE, "tenure": "owner_occupier_mortgage", "mortgage_arrears": True},
    ),
    (
        "prevention",
        # Told to leave temporary accommodation within 56 days (must_leave_date: see below).
        {**NO_NOTICE, "tenure": "temporary_accommodation", "asked_to_leave": True},
    ),
    ("advice_only", {**NO_NOTICE, "tenure": "social_rented", "has_notice": False}),
]


def answers_for(number: int, today: date | None = None) -> tuple[str, dict[str, Any]]:
    """The expected workflow and the answers of customer ``number``: the six workflows in turn."""
    today = today or date.today()
    workflow, changes = WORKFLOW_VARIANTS[number % len(WORKFLOW_VARIANTS)]
    answers = {**sample_answers(today), **changes}
    answers["full_name"] = f"Customer {number:04d}"
    # Served 9 to 28 days ago: the notice's date (3 weeks ahead) stays 4 weeks or more after it.
    answers["notice_served_date"] = (
        answers["notice_served_date"] and (today - timedelta(days=9 + number % 20)).isoformat()
    )
    if answers.get("asked_to_leave"):
        answers["must_leave_date"] = (today + timedelta(days=30)).isoformat()
    return workflow, {key: value for key, value in answers.items() if value is not None}


@dataclass
class Submitter:
    """Submits ``total`` enquiries from ``concurrency`` green threads, each with its own RPC
    proxy. A call that fails (timeout, dropped connection, broker restarting) is sent again with
    the same ``request_id`` after a pause, as a front end would: the suite must not make a
    second enquiry of it."""

    config: dict[str, Any]
    run_id: str
    total: int
    concurrency: int = 6
    # Submissions per second at most, so that the faults land while enquiries still arrive.
    rate: float = 8.0
    call_timeout: float = 15.0
    give_up_after: float = 240.0
    submitted: dict[int, dict[str, Any]] = field(default_factory=dict)
    retries: int = 0
    started: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)

    def request_id(self, number: int) -> str:
        return f"{self.run_id}-{number:05d}"

    def run(self) -> None:
        self.started = time.monotonic()
        numbers = iter(range(self.total))
        pool = eventlet.GreenPool(self.concurrency)
        for _ in range(self.concurrency):
            pool.spawn(self._worker, numbers)
        pool.waitall()

    def _worker(self, numbers: Iterator[int]) -> None:
        rpc_context: Any = None
        rpc: Any = None
        try:
            for number in numbers:
                _, answers = answers_for(number)
                request = {
                    "template_key": TEMPLATE_KEY,
                    "answers": answers,
                    "request_id": self.request_id(number),
                }
                time.sleep(max(0.0, self.started + number / self.rate - time.monotonic()))
                started = time.monotonic()
                while True:
                    try:
                        if rpc is None:
                            rpc_context = SignedRpc(self.config, timeout=self.call_timeout)
                            rpc = rpc_context.start()
                        self.submitted[number] = rpc.enquiry.submit_enquiry(request)
                        break
                    except EXPECTED_ERRORS:
                        raise
                    except Exception as error:  # noqa: BLE001 - retried, as a front end would
                        self.errors[type(error).__name__] += 1
                        if time.monotonic() - started > self.give_up_after:
                            raise
                        self.retries += 1
                        _stop_quietly(rpc_context)
                        rpc_context = rpc = None
                        time.sleep(1)
        finally:
            _stop_quietly(rpc_context)


def _stop_quietly(rpc_context: Any) -> None:
    if rpc_context is not None:
        # The connection may already be gone.
        with contextlib.suppress(Exception):
            rpc_context.stop()


# --- the census -------------------------------------------------------------------------------


def scalar(database_url: str, sql: str, **params: Any) -> Any:
    return rows(database_url, sql, **params)[0][0]


def rows(database_url: str, sql: str, **params: Any) -> list[tuple]:
    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


EXPECTED_PER_ENQUIRY = (
    "enquiries submitted (distinct replies)",
    "enquiries stored",
    "cases",
    "advice matches",
    "information packs",
    "acknowledgement letters",
)
MUST_BE_ZERO = (
    "lost",
    "duplicate",
    "wrong",
    "without",
    "more than one",
    "other than one",
    "disagree",
    "missing",
    "incomplete",
    "twice",
    "does not verify",
    "unpublished",
    "parked",
    "remaining",
)


@dataclass
class Census:
    """What the suite holds for the enquiries of one run, and everything found wrong."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def expect(self, ok: bool, problem: str) -> None:
        if not ok and len(self.problems) < 50:
            self.problems.append(problem)

    def shortfalls(self, expected: int) -> list[str]:
        """Everything that differs from one enquiry's worth of everything per enquiry, nothing
        lost, nothing twice: empty when the run is right."""
        wrong = [
            f"{key}: {self.counts.get(key)} (want {expected})"
            for key in EXPECTED_PER_ENQUIRY
            if self.counts.get(key) != expected
        ]
        wrong += [
            f"{key}: {value} (want 0)"
            for key, value in self.counts.items()
            if value and any(word in key for word in MUST_BE_ZERO)
        ]
        return wrong + self.problems

    def report(self) -> str:
        width = max(len(k) for k in self.counts)
        lines = [f"  {key.ljust(width)}  {value}" for key, value in self.counts.items()]
        return "\n".join(lines + [f"  PROBLEM: {p}" for p in self.problems])


def take_census(
    urls: dict[str, str], submitter: Submitter, document_root: Path, check_files: bool = True
) -> Census:
    """Counts everything the suite made for the run's enquiries and checks it against what each
    enquiry should have produced (``check_files``: also read back every stored file)."""
    census = Census()
    counts = census.counts
    prefix = f"{submitter.run_id}-%"
    enquiries = rows(
        urls["enquiry"],
        "SELECT id, request_id, workflow, status FROM enquiries WHERE request_id LIKE :p",
        p=prefix,
    )
    enquiry_ids = {e[0] for e in enquiries}
    counts["enquiries submitted (distinct replies)"] = len(
        {s["id"] for s in submitter.submitted.values()}
    )
    counts["enquiries stored"] = len(enquiries)
    census.expect(
        {s["id"] for s in submitter.submitted.values()} == enquiry_ids,
        "the enquiries stored are not the ones the callers were told about",
    )
    expected_workflow = {
        e[0]: answers_for(int(e[1].rsplit("-", 1)[1]))[0] for e in enquiries if e[1]
    }
    for enquiry_id, _, workflow, status in enquiries:
        census.expect(status == "submitted", f"enquiry {enquiry_id} is {status}")
        census.expect(
            workflow == expected_workflow[enquiry_id],
            f"enquiry {enquiry_id} went to {workflow}, not {expected_workflow[enquiry_id]}",
        )

    cases = {
        row[1]: row
        for row in rows(
            urls["cases"], "SELECT id, enquiry_id, reference, workflow, correlation_id FROM cases"
        )
        if row[1] in enquiry_ids
    }
    counts["cases"] = len(cases)
    counts["cases lost (enquiry without a case)"] = len(enquiry_ids - set(cases))
    references = Counter(c[2] for c in cases.values())
    counts["duplicate case references"] = sum(n - 1 for n in references.values())
    case_ids = {c[0] for c in cases.values()}

    matches = Counter(
        r[0]
        for r in rows(urls["advice"], "SELECT enquiry_id FROM match_results")
        if r[0] in enquiry_ids
    )
    counts["advice matches"] = sum(matches.values())
    counts["advice lost"] = len(enquiry_ids - set(matches))

    frameworks = {
        workflow: tasks
        for workflow, tasks in (
            (r[0], r[1]) for r in rows(urls["tasks"], "SELECT workflow, tasks FROM task_frameworks")
        )
    }
    tasks_by_case: dict[str, list[tuple]] = {}
    for task in rows(urls["tasks"], "SELECT case_id, template_key, status FROM tasks"):
        if task[0] in case_ids:
            tasks_by_case.setdefault(task[0], []).append(task)
    counts["tasks"] = sum(len(t) for t in tasks_by_case.values())
    wrong_tasks = 0
    for case_id, _, _, workflow, _ in cases.values():
        framework = _as_list(frameworks[workflow])
        expected = {t["key"]: "pending" if t.get("depends_on") else "active" for t in framework}
        actual = {t[1]: t[2] for t in tasks_by_case.get(case_id, [])}
        if actual != expected:
            wrong_tasks += 1
            census.expect(False, f"case {case_id}: tasks {actual} != {expected}")
    counts["cases with the wrong tasks"] = wrong_tasks
    summaries = Counter(
        r[0] for r in rows(urls["cases"], "SELECT case_id FROM case_tasks") if r[0] in case_ids
    )
    counts["cases whose task summaries disagree"] = sum(
        1 for c in case_ids if summaries.get(c, 0) != len(tasks_by_case.get(c, []))
    )

    documents = [
        d
        for d in rows(
            urls["documents"], "SELECT case_id, kind, version, path, sha256 FROM documents"
        )
        if d[0] in case_ids
    ]
    packs = Counter(d[0] for d in documents if d[1] == "information_pack")
    letters = Counter(d[0] for d in documents if d[1] != "information_pack")
    counts["information packs"] = sum(packs.values())
    counts["cases without a pack"] = len(case_ids - set(packs))
    counts["cases with more than one pack"] = sum(1 for n in packs.values() if n > 1)
    counts["acknowledgement letters"] = sum(letters.values())
    counts["cases with other than one letter"] = sum(1 for c in case_ids if letters.get(c, 0) != 1)
    _census_of_files(census, urls, documents, document_root, check_files)
    _census_of_timelines(census, urls, cases, tasks_by_case, documents)

    for service, url in urls.items():
        counts[f"{service}: outbox unpublished"] = scalar(
            url, "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        )
        counts[f"{service}: events parked"] = scalar(url, "SELECT count(*) FROM rejected_events")
    return census


def _census_of_files(
    census: Census,
    urls: dict[str, str],
    documents: list[tuple],
    document_root: Path,
    check_files: bool,
) -> None:
    if not check_files:
        return
    counts = census.counts
    missing_files = 0
    # The files are encrypted at rest (docs/documents.md): read through the store, with the key
    # the services were given (none set: the checkout's development key).
    store = FileStore(document_root, Keyring.from_config({}))
    for _, _, _, path, sha256 in documents:
        if not (document_root / path).exists():
            missing_files += 1
            continue
        try:
            content = store.read(path, sha256)
        except (KeyProblem, ValueError):
            missing_files += 1
            continue
        if hashlib.sha256(content).hexdigest() != sha256:
            missing_files += 1
    counts["documents whose file is missing or differs"] = missing_files
    referenced = {d[3] for d in documents} | {
        r[0] for r in rows(urls["documents"], "SELECT html_path FROM documents")
    }
    on_disk = {
        str(p.relative_to(document_root))
        for p in document_root.rglob("*")
        if p.is_file() and not p.name.endswith(".part")
    }
    # Only a process killed between writing a file and committing its row leaves one.
    counts["files nothing refers to (render cut short by a kill)"] = len(on_disk - referenced)


def _census_of_timelines(
    census: Census,
    urls: dict[str, str],
    cases: dict[str, tuple],
    tasks_by_case: dict[str, list[tuple]],
    documents: list[tuple],
) -> None:
    """Each case's timeline holds exactly one entry for each thing that happened to it."""
    by_correlation: dict[str, Counter[str]] = {}
    for correlation_id, action in rows(
        urls["cases"], "SELECT correlation_id, action FROM audit_entries"
    ):
        by_correlation.setdefault(correlation_id, Counter())[action] += 1
    incomplete = doubled = 0
    for case_id, _, _, _, correlation_id in cases.values():
        seen = by_correlation.get(correlation_id, Counter())
        want = Counter(
            {
                "enquiry.submitted": 1,
                "case.opened": 1,
                "advice.matched": 1,
                "task.created": len(tasks_by_case.get(case_id, [])),
                "document.generated": sum(1 for d in documents if d[0] == case_id),
            }
        )
        if any(seen[action] < n for action, n in want.items()):
            incomplete += 1
            census.expect(False, f"case {case_id}: timeline {dict(seen)} lacks part of {want}")
        if any(seen[action] > n for action, n in want.items()):
            doubled += 1
            census.expect(False, f"case {case_id}: timeline {dict(seen)} repeats part of {want}")
    census.counts["timelines incomplete"] = incomplete
    census.counts["timelines with an entry twice"] = doubled
    census.counts["timeline entries"] = sum(
        sum(by_correlation.get(c[4], Counter()).values()) for c in cases.values()
    )


def _as_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return json.loads(value)
    return value


def wait_until(condition: Callable[[], bool], timeout: float, every: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
