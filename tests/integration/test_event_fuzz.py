"""Bad input on the event side: every event handler of every service receives hypothesis-made
messages (not objects, envelopes missing fields or with wrong types, unknown versions, data with
the right keys and wrong values, huge strings, deep nesting, unknown keys, unicode). Each must
be parked at once in ``rejected_events`` with a reason that names the field: no worker crash, no
retry loop, no message left in a queue, no row written anywhere else. Prints how many messages
were tried."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nameko.events import EventHandler
from nameko.standalone.events import event_dispatcher

from services.advice.service import AdviceService
from services.cases.service import CasesService
from services.documents.service import DocumentsService
from services.tasks.service import TasksService
from shared.db import normalise_url
from tests.identity import SignedRpc

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
CONSUMERS = [AdviceService, CasesService, TasksService, DocumentsService]
# Rows any service writes for a message it cannot apply; every other table must not change.
BOOKKEEPING = {"processed_events", "rejected_events", "event_failures"}
EXAMPLES_PER_EVENT_TYPE = 30


def handlers_of(cls: type) -> list[tuple[str, str, str]]:
    """(source service, event type, handler name) of each event entrypoint of a service."""
    found = []
    for name in dir(cls):
        for entrypoint in getattr(getattr(cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, EventHandler):
                found.append((entrypoint.source_service, entrypoint.event_type, name))
    return found


def data_keys(event_type: str) -> list[str]:
    # The newest version a handler accepts: every field it may meet.
    newest = max(SCHEMAS.glob(f"{event_type}.v*.json"), key=lambda p: p.name)
    schema = json.loads(newest.read_text())
    return sorted(schema["properties"]["data"].get("properties", {})) or ["x"]


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.text(min_size=3000, max_size=20000)
    | st.sampled_from(["", "HO-2026-000001", "2026-02-30", "private_rented_eviction"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)


def deep(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"data": value}
    return value


ENVELOPE_FIELDS = ["id", "type", "version", "source", "time", "correlation_id", "causation_id"]


def envelope(source: str, event_type: str, data: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "version": 1,
        "source": source,
        "time": "2026-11-25T10:00:00+00:00",
        "correlation_id": str(uuid.uuid4()),
        "causation_id": None,
        "data": data,
    }


def bad_messages(source: str, event_type: str) -> st.SearchStrategy[Any]:
    """Messages no handler should apply, each wrong in one way or in many."""
    keys = data_keys(event_type)
    wrong_data = st.dictionaries(st.sampled_from(keys), json_values, min_size=1, max_size=6)
    some_envelope = wrong_data.map(lambda data: envelope(source, event_type, data))
    return st.one_of(
        # Not an envelope at all.
        json_values.filter(lambda v: not isinstance(v, dict) or "data" not in v),
        st.integers(50, 400).map(deep),
        # An envelope with its data's keys but wrong values.
        some_envelope,
        # A field missing, or of the wrong type.
        st.tuples(some_envelope, st.sampled_from(ENVELOPE_FIELDS + ["data"])).map(
            lambda pair: {k: v for k, v in pair[0].items() if k != pair[1]}
        ),
        st.tuples(some_envelope, st.sampled_from(ENVELOPE_FIELDS), json_values).map(
            lambda t: {**t[0], t[1]: t[2]}
        ),
        # A version this subscriber does not know (the data is not even looked at).
        st.tuples(some_envelope, st.integers(-5, 2**40).filter(lambda v: v != 1)).map(
            lambda pair: {**pair[0], "version": pair[1]}
        ),
        # Unknown keys beside the envelope's own.
        st.tuples(some_envelope, st.dictionaries(st.text(min_size=1), json_values, min_size=1))
        .filter(lambda pair: not set(pair[1]) & set(pair[0]))
        .map(lambda pair: {**pair[0], **pair[1]}),
    )


def table_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            return {
                name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names
                if name != "alembic_version"
            }
    finally:
        engine.dispose()


def fuzz_one_event_type(
    dispatch: Any,
    source: str,
    event_type: str,
    receivers: list[tuple[str, str]],
    sent: Counter[tuple[str, str]],
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_EVENT_TYPE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(bad_messages(source, event_type))
    def publish(message: Any) -> None:
        dispatch(source, event_type, message)
        for receiver in receivers:
            sent[receiver] += 1

    publish()


def test_every_event_handler_parks_bad_messages_with_a_reason(
    container_factory, service_config, rabbit_config
):
    urls: dict[str, str] = {}
    for cls in CONSUMERS:
        config = service_config(cls.name, EVENT_RETRY_BACKOFF_SECONDS=0.01)
        urls[cls.name] = config["DATABASE_URL"]
        container_factory(cls, config).start()
    before = {service: table_counts(url) for service, url in urls.items()}
    subscribers: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for cls in CONSUMERS:
        for source, event_type, handler in handlers_of(cls):
            subscribers.setdefault((source, event_type), []).append((cls.name, handler))

    dispatch = event_dispatcher(rabbit_config)
    sent: Counter[tuple[str, str]] = Counter()
    for (source, event_type), receivers in sorted(subscribers.items()):
        fuzz_one_event_type(dispatch, source, event_type, receivers, sent)

    def parked() -> Counter[tuple[str, str]]:
        counts: Counter[tuple[str, str]] = Counter()
        for service, url in urls.items():
            engine = sa.create_engine(normalise_url(url))
            with engine.connect() as connection:
                for handler, n in connection.execute(
                    sa.text("SELECT handler, count(*) FROM rejected_events GROUP BY handler")
                ):
                    counts[(service, handler)] = n
            engine.dispose()
        return counts

    deadline = time.monotonic() + 120
    while parked() != sent and time.monotonic() < deadline:
        time.sleep(0.5)
    assert parked() == sent

    for service, url in urls.items():
        after = table_counts(url)
        changed = {
            table: (before[service][table], after[table])
            for table in after
            if table not in BOOKKEEPING and after[table] != before[service][table]
        }
        assert not changed, f"{service} wrote rows for messages it rejected: {changed}"
        engine = sa.create_engine(normalise_url(url))
        with engine.connect() as connection:
            reasons = [
                json.loads(r[0]) if isinstance(r[0], str) else r[0]
                for r in connection.execute(sa.text("SELECT errors FROM rejected_events"))
            ]
            retried = connection.execute(sa.text("SELECT count(*) FROM event_failures")).scalar()
        engine.dispose()
        # Rejected at once with the fields named: none needed retries to be found hopeless.
        assert retried == 0, f"{service}: {retried} messages failed with an unexpected error"
        assert all(isinstance(r, dict) and r and "_error" not in r for r in reasons), reasons[:5]

    with SignedRpc(rabbit_config, timeout=10) as rpc:
        for cls in CONSUMERS:
            assert getattr(rpc, cls.name).health()["status"] == "ok"
    total = sum(sent.values())
    print(
        f"\nEvent handler fuzzing: {total} deliveries ({sum(1 for _ in subscribers)} event "
        f"types, {len(sent)} handlers), every one parked with a reason, no row written"
    )
    assert total >= 10 * len(sent)
