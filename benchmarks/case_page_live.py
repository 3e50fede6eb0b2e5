"""The officers' case page through the running suite, for a big case and a small one: the whole
server time of ``GET /work/cases/{reference}`` (every RPC behind it, the chain verification for
a team leader, and the rendering), as a browser with a staff session asks for it.

    python benchmarks/case_page_live.py [--requests 30] [--tasks 200] [--entries 2000]

Starts the suite apart from ``make run``, as benchmarks/gateway.py does (its own vhost, SQLite
databases, keys, logs and ports in a temporary folder). Two cases from the sample enquiry: one
left as it is, and one given ``--tasks`` tasks (``tasks.add_task``) and read until its audit
timeline holds ``--entries`` entries (each ``cases.get_case`` read is audited as
``case.viewed``, the commonest entry on a real case's timeline). Then, in alternating rounds,
each case's page is read by a caseworker and by a team leader (who also gets the timeline's
verification: every entry's hash recomputed); median and p95 of each, on this machine, next to
each other. Issue 16's target: under 300 ms for a case with 200 tasks and 2,000 entries.
benchmarks/case_page.py measures the rendering alone.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway import (  # noqa: E402
    CASEWORKER_USER,
    TEAM,
    SetupFailed,
    new_suite,
    own_vhost,
    seed_case,
    staff_session,
    start_suite,
)

from scripts.broker_users import ManagementApi  # noqa: E402
from scripts.local_services import amqp_uri, rabbit_api_uri  # noqa: E402
from services.gateway.rpc_client import RpcClient  # noqa: E402
from shared.identity import CASEWORKER, TokenIssuer  # noqa: E402

LEADER_USER = "local-team-leader"
TARGET_MS = 300.0


async def grow_case(rpc: RpcClient, token: str, reference: str, tasks: int, entries: int) -> int:
    """``tasks`` more tasks on the case, then reads until the timeline holds ``entries``; the
    number it holds."""
    case = await rpc.call("cases", "get_case", reference, token=token)
    for number in range(tasks):
        await rpc.call(
            "tasks",
            "add_task",
            {
                "case_id": case["id"],
                "name": f"Follow-up call number {number} with the landlord and the applicant",
                "owner": f"team:{TEAM}",
                "due_in": {"amount": 1 + number % 20, "unit": "working_days"},
            },
            token=token,
        )
    held = len(await rpc.call("cases", "get_timeline", reference, token=token))
    while held < entries:
        # Concurrent reads, each one entry: far quicker than one at a time.
        batch = min(50, entries - held)
        await asyncio.gather(
            *(rpc.call("cases", "get_case", reference, token=token) for _ in range(batch))
        )
        held = len(await rpc.call("cases", "get_timeline", reference, token=token))
    return held


async def page_times(client: httpx.AsyncClient, path: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SetupFailed(f"{path} answered {answer.status_code}")
    return times


async def measure(suite, args: argparse.Namespace) -> dict[str, list[float]]:
    rpc = await RpcClient.connect(suite.amqp, name="case-page-bench")
    token = TokenIssuer(suite.private_key).mint(
        f"officer:{CASEWORKER_USER}", [CASEWORKER], team=TEAM
    )
    clients = {
        "caseworker": httpx.AsyncClient(base_url=suite.url, timeout=60),
        "team leader": httpx.AsyncClient(base_url=suite.url, timeout=60),
    }
    try:
        small = await seed_case(rpc, token)
        big = await seed_case(rpc, token)
        print(f"growing {big}: {args.tasks} tasks, {args.entries} timeline entries ...")
        held = await grow_case(rpc, token, big, args.tasks, args.entries)
        big_id = (await rpc.call("cases", "get_case", big, token=token))["id"]
        listed = await rpc.call("tasks", "list_tasks", big_id, token=token)
        print(f"  {len(listed)} tasks, {held} timeline entries")
        await staff_session(suite, clients["caseworker"], CASEWORKER_USER)
        await staff_session(suite, clients["team leader"], LEADER_USER)
        times: dict[str, list[float]] = {}
        for client in clients.values():
            for reference in (small, big):
                await page_times(client, f"/work/cases/{reference}", 3)  # warm up
        # Rounds alternate the cases and readers, so the machine's drift weighs on all alike.
        for _ in range(args.requests):
            for who, client in clients.items():
                for label, reference in (("small", small), ("big", big)):
                    (took,) = await page_times(client, f"/work/cases/{reference}", 1)
                    times.setdefault(f"{label} case, {who}", []).append(took)
        return times
    finally:
        for client in clients.values():
            await client.aclose()
        await rpc.close()


def report(times: dict[str, list[float]], args: argparse.Namespace) -> None:
    print(f"GET /work/cases/{{reference}}, {args.requests} reads each (ms)")
    print(f"  {'':32} {'median':>8} {'p95':>8}")
    for name, taken in times.items():
        ordered = sorted(taken)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        print(f"  {name:32} {statistics.median(ordered):8.1f} {p95:8.1f}")
    for who in ("caseworker", "team leader"):
        big = statistics.median(times[f"big case, {who}"])
        small = statistics.median(times[f"small case, {who}"])
        print(f"  ratio big / small, {who:12} {big / small:8.1f}")
    worst = max(
        sorted(times[f"big case, {who}"])[max(0, int(args.requests * 0.95) - 1)]
        for who in ("caseworker", "team leader")
    )
    verdict = "met" if worst < TARGET_MS else "NOT met"
    print(f"target: under {TARGET_MS:.0f} ms for the big case (p95, both readers): {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed reads per case and reader")
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--entries", type=int, default=2000)
    args = parser.parse_args()
    api = ManagementApi(rabbit_api_uri())
    vhost, amqp = own_vhost(api, amqp_uri())
    workdir = Path(tempfile.mkdtemp(prefix="case-page-bench-"))
    suite = None
    try:
        suite = new_suite(workdir, amqp)
        start_suite(suite)
        times = asyncio.run(measure(suite, args))
    except SetupFailed as problem:
        print(f"case page benchmark: {problem} (logs in {workdir / 'logs'})", file=sys.stderr)
        return 1
    finally:
        if suite is not None:
            suite.processes.stop_all(grace_seconds=15)
        api.delete(f"vhosts/{urllib.parse.quote(vhost, safe='')}")
    shutil.rmtree(workdir, ignore_errors=True)
    report(times, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
