"""Subscribe to the suite's public case events from any system, without nameko: plain kombu.

    pip install kombu
    python examples/case_events_subscriber.py --amqp-uri amqp://guest:guest@localhost:5672/

Declares a durable queue of its own, bound to the `cases.events` topic exchange for `case.*`,
prints each event as one JSON line, and acknowledges it only after handling it. Delivery is at
least once, so events are de-duplicated by their `id` (a real system would keep the seen ids in
its own database). `--limit N` stops after N events (used by the suite's tests).
"""

from __future__ import annotations

import argparse
import json
import sys

from kombu import Connection, Exchange, Queue

KNOWN_VERSIONS = {
    "case.opened": 1,
    "case.stage_changed": 1,
    "case.assigned": 1,
    "case.closed": 1,
    "case.reopened": 1,
    "case.clock_warning": 1,
    "case.clock_period_ended": 1,
}


def main() -> int:
    parser = argparse.ArgumentParser(description="Print the suite's case events.")
    parser.add_argument("--amqp-uri", default="amqp://guest:guest@localhost:5672/")
    parser.add_argument("--queue", default="example-council-system.case-events")
    parser.add_argument("--routing-key", default="case.*")
    parser.add_argument("--limit", type=int, default=0, help="stop after this many events")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=0,
        help="stop after this many seconds without an event (0: never)",
    )
    args = parser.parse_args()

    exchange = Exchange("cases.events", type="topic", durable=True)
    queue = Queue(args.queue, exchange, routing_key=args.routing_key, durable=True)
    seen: set[str] = set()
    handled = 0

    def on_message(body: dict, message) -> None:
        nonlocal handled
        event_type, version = body.get("type"), body.get("version")
        if body.get("id") in seen:
            message.ack()
            return
        if KNOWN_VERSIONS.get(event_type) != version:
            # Not understood: keep it out of the way rather than guess (a real system might
            # dead-letter it); acknowledge so it is not redelivered for ever.
            print(json.dumps({"skipped": event_type, "version": version}), file=sys.stderr)
        else:
            print(json.dumps(body, sort_keys=True), flush=True)
        seen.add(body.get("id"))
        handled += 1
        message.ack()

    with (
        Connection(args.amqp_uri) as connection,
        connection.Consumer(queue, callbacks=[on_message], accept=["json"]),
    ):
        print(json.dumps({"ready": args.queue}), file=sys.stderr, flush=True)
        while not args.limit or handled < args.limit:
            try:
                connection.drain_events(timeout=args.idle_timeout or None)
            except TimeoutError:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
