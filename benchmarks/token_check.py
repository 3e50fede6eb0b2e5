"""What does checking the caller's identity cost per RPC?

    python benchmarks/token_check.py [--calls 2000] [--amqp amqp://guest:guest@localhost:5672/]

Starts one throw-away nameko service on the broker (a vhost of its own, deleted at the end)
with two RPCs that do the same work, a read from the service's database: one behind the
suite's guarded entrypoint (token verified, policy checked, actor put into the request), one
behind nameko's plain entrypoint. Calls each ``--calls`` times, interleaved in rounds so that
the broker's and the machine's drift affects both alike, and prints the median round trip of
each, the difference, and the ratio. Also prints the cost of ``TokenVerifier.verify`` alone.
Target (issue 14): the guarded call costs less than 10 % more than the plain one.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nameko.containers import ServiceContainer  # noqa: E402
from nameko.rpc import rpc as plain_rpc  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402
from sqlalchemy.orm import DeclarativeBase  # noqa: E402

from shared import nameko_wiring  # noqa: E402
from shared.authorisation import OFFICERS, Policy, rule  # noqa: E402
from shared.db import add_infrastructure_tables  # noqa: E402
from shared.identity import (  # noqa: E402
    CASEWORKER,
    CONTEXT_KEY,
    TokenIssuer,
    TokenVerifier,
    new_key_pair,
)


class Base(DeclarativeBase):
    pass


add_infrastructure_tables(Base.metadata)


class BenchService:
    name = "token_bench"
    uow = nameko_wiring.UnitOfWorkProvider(Base.metadata)
    caller = nameko_wiring.CallerProvider(
        Policy("token_bench", {"guarded_read": rule(OFFICERS), "health": rule(OFFICERS)})
    )

    def _read(self, request: dict[str, Any]) -> int:
        with self.uow.read() as session:
            return session.execute(sa.text("SELECT count(*) FROM outbox")).scalar_one()

    @nameko_wiring.rpc
    def guarded_read(self, request: dict[str, Any]) -> int:
        return self._read(request)

    @plain_rpc
    def plain_read(self, request: dict[str, Any]) -> int:
        return self._read(request)


def management(amqp: str) -> tuple[str, tuple[str, str]]:
    parts = urllib.parse.urlsplit(amqp)
    return (
        f"http://{parts.hostname}:15672/api",
        (parts.username or "guest", parts.password or "guest"),
    )


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--amqp", default="amqp://guest:guest@localhost:5672/")
    args = parser.parse_args()

    private, public = new_key_pair()
    workdir = Path(tempfile.mkdtemp(prefix="token-bench-"))
    (workdir / "identity.pub").write_bytes(public)
    vhost = f"token-bench-{uuid.uuid4().hex[:8]}"
    api, auth = management(args.amqp)
    requests.put(f"{api}/vhosts/{vhost}", auth=auth, timeout=10).raise_for_status()
    user = auth[0]
    requests.put(
        f"{api}/permissions/{vhost}/{user}",
        json={"configure": ".*", "write": ".*", "read": ".*"},
        auth=auth,
        timeout=10,
    ).raise_for_status()
    amqp = args.amqp.rstrip("/") + "/" + urllib.parse.quote(vhost, safe="")
    config = {
        "AMQP_URI": amqp,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        # A throw-away service has no migrations: its tables are made here.
        "DATABASE_MIGRATE_ON_START": "false",
        "IDENTITY_PUBLIC_KEYS": str(workdir / "identity.pub"),
    }
    engine = sa.create_engine(config["DATABASE_URL"])
    Base.metadata.create_all(engine)
    engine.dispose()
    container = ServiceContainer(BenchService, config)
    container.start()
    issuer = TokenIssuer(private)
    token = issuer.mint("officer:bench", [CASEWORKER], team="housing-options")
    try:
        with ClusterRpcProxy(config, context_data={CONTEXT_KEY: token}) as proxy:
            service = proxy.token_bench
            for _ in range(50):  # warm both paths
                service.guarded_read({})
                service.plain_read({})
            guarded, fresh, plain = [], [], []
            context = proxy._worker_ctx.data
            for _ in range(args.calls):
                started = time.perf_counter()
                service.guarded_read({})
                guarded.append(time.perf_counter() - started)
                # A token never seen before: its signature is checked on this call.
                context[CONTEXT_KEY] = issuer.mint("officer:bench", [CASEWORKER])
                started = time.perf_counter()
                service.guarded_read({})
                fresh.append(time.perf_counter() - started)
                context[CONTEXT_KEY] = token
                started = time.perf_counter()
                service.plain_read({})
                plain.append(time.perf_counter() - started)
    finally:
        container.stop()
        requests.delete(f"{api}/vhosts/{vhost}", auth=auth, timeout=10)

    rounds = 2000
    tokens = [issuer.mint("officer:bench", [CASEWORKER]) for _ in range(rounds)]
    verifier = TokenVerifier([public])
    started = time.perf_counter()
    for each in tokens:
        verifier.verify(each)
    first_ms = (time.perf_counter() - started) / rounds * 1000
    started = time.perf_counter()
    for each in tokens:
        verifier.verify(each)
    again_ms = (time.perf_counter() - started) / rounds * 1000

    guarded_ms, fresh_ms, plain_ms = median_ms(guarded), median_ms(fresh), median_ms(plain)
    print(f"RPC round trips, median of {args.calls} each (same work: one database read)")
    print(f"  plain nameko rpc                          {plain_ms:8.3f} ms")
    print(f"  guarded, the user's token seen before     {guarded_ms:8.3f} ms")
    print(f"  guarded, a token never seen before        {fresh_ms:8.3f} ms")
    print(
        f"  ratio guarded / plain (token seen before) {guarded_ms / plain_ms:8.3f}  (target < 1.10)"
    )
    print(f"  ratio guarded / plain (new token)         {fresh_ms / plain_ms:8.3f}")
    print("TokenVerifier.verify alone")
    print(f"  signature checked                         {first_ms:8.3f} ms per token")
    print(f"  token seen before                         {again_ms:8.3f} ms per token")


if __name__ == "__main__":
    main()
