"""Operator commands:

- ``python -m shared.manage migrate [service ...]``: apply each service's Alembic migrations and
  load its seed data (what a service also does on start);
- ``python -m shared.manage parked SERVICE``: the events the service parked (could never apply,
  or failed ``EVENT_MAX_ATTEMPTS`` times), with the reasons;
- ``python -m shared.manage replay SERVICE [ID ...]``: deliver parked events again to their handler;
- ``python -m shared.manage health SERVICE``: ask a running service for its health over
  RabbitMQ (``AMQP_URI``); prints it, exits 0 when ``ok`` (a container health check);
- ``python -m shared.manage revision SERVICE "message"``: autogenerate a migration;
- ``python -m shared.manage law-change --nation england --on 2026-05-01``: the open cases whose
  notice was checked under the law a pack taking effect that day replaces (cases database)."""

from __future__ import annotations

import argparse
import importlib
import json

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from shared.config import SERVICES, SERVICES_DIR, service_config
from shared.db import create_engine_for
from shared.migrations import alembic_config, prepare_database
from shared.nameko_wiring import UnitOfWorkProvider
from shared.startup import database_failure


def provider_of(service: str) -> UnitOfWorkProvider:
    module = importlib.import_module(f"services.{service}.service")
    cls = next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and getattr(value, "name", None) == service
    )
    return cls.uow


class MigrationFailed(Exception):
    """One line naming the service, its database (password hidden) and the cause."""


def migrate_service(service: str) -> None:
    """Apply the service's migrations and seed data (what it also does when it starts)."""
    url = service_config(service)["DATABASE_URL"]
    try:
        engine = create_engine_for(url)
        try:
            prepare_database(engine, service, provider_of(service).seed)
        finally:
            engine.dispose()
    except Exception as error:  # noqa: BLE001 - every cause becomes the one line
        raise MigrationFailed(database_failure(service, url, error)) from error


def migrate(services: list[str]) -> None:
    for service in services:
        migrate_service(service)
        print(f"{service}: migrated and seeded")


def revision(service: str, message: str) -> None:
    url = service_config(service)["DATABASE_URL"]
    provider_of(service)  # imports the models so autogenerate sees them
    existing = len(list((SERVICES_DIR / service / "migrations" / "versions").glob("[0-9]*.py")))
    command.revision(
        alembic_config(service, url),
        message=message,
        autogenerate=True,
        rev_id=f"{existing + 1:04d}",
    )


def handler_queue(service: str, message: dict, handler: str) -> str:
    """The queue nameko gives ``service``'s handler of the event's source and type."""
    return f"evt-{message['source']}-{message['type']}--{service}.{handler}"


def parked(service: str) -> list[dict]:
    """Events a service could not handle, with the reasons (the dead letters)."""
    engine = create_engine_for(service_config(service)["DATABASE_URL"])
    table = provider_of(service).metadata.tables["rejected_events"]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    engine.dispose()
    return [dict(row) for row in rows]


def replay(service: str, ids: list[int] | None = None, dispatch=None) -> int:
    """Deliver parked events again (after the cause is fixed) to the handler that parked each,
    and remove them from the parking place; the handler's inbox makes a replay of an event
    already applied harmless. ``dispatch(queue, message)``; by default the service's own broker
    user publishes to that handler's queue (the default exchange routes by queue name), which
    the closed bus accepts from the service itself (shared.bus) and from no one else."""
    config = service_config(service)
    if dispatch is None:
        from nameko.amqp.publish import Publisher

        from shared.bus import connection_user

        uri = config["AMQP_URI"]

        def dispatch(queue: str, message: dict) -> None:
            Publisher(uri).publish(
                message, routing_key=queue, mandatory=True, user_id=connection_user(uri)
            )

    engine = create_engine_for(config["DATABASE_URL"])
    metadata = provider_of(service).metadata
    rejected, failures = metadata.tables["rejected_events"], metadata.tables["event_failures"]
    replayed = 0
    with engine.begin() as connection:
        query = sa.select(rejected).order_by(rejected.c.id)
        if ids:
            query = query.where(rejected.c.id.in_(ids))
        for row in connection.execute(query).mappings().all():
            message = json.loads(row["payload"])
            if not isinstance(message, dict) or not {"source", "type"} <= message.keys():
                print(f"#{row['id']}: not an event envelope, left parked")
                continue
            dispatch(handler_queue(service, message, row["handler"]), message)
            connection.execute(rejected.delete().where(rejected.c.id == row["id"]))
            connection.execute(
                failures.delete().where(failures.c.event_id == str(message.get("id")))
            )
            replayed += 1
    engine.dispose()
    return replayed


def health(service: str, amqp_uri: str, timeout: float = 5.0) -> tuple[int, dict]:
    """(exit status, answer): 0 when the service answered ``ok`` within ``timeout`` seconds."""
    from nameko.standalone.rpc import ClusterRpcProxy

    try:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=timeout) as rpc:
            answer = getattr(rpc, service).health()
    except Exception as error:  # noqa: BLE001 - any failure is "unhealthy", reported
        return 1, {"service": service, "status": "unreachable", "error": repr(error)}
    return (0 if answer.get("status") == "ok" else 1), answer


def law_change(nation: str, on: str) -> dict:
    """Read straight from the cases database: it works while the services are stopped."""
    from datetime import date

    from services.cases.operations import cases_affected_by_law_change
    from shared.errors import ValidationFailed

    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise SystemExit(f"--on: {on!r} is not a date (YYYY-MM-DD)") from None
    engine = create_engine_for(service_config("cases")["DATABASE_URL"])
    try:
        with Session(engine) as session:
            return cases_affected_by_law_change(session, nation, day)
    except ValidationFailed as invalid:
        raise SystemExit(
            "; ".join(f"--{field}: {' '.join(why)}" for field, why in invalid.field_errors.items())
        ) from None
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    migrate_cmd = sub.add_parser("migrate", help="apply migrations and seed data")
    migrate_cmd.add_argument("services", nargs="*", metavar="SERVICE", help=", ".join(SERVICES))
    parked_cmd = sub.add_parser("parked", help="list the events a service parked, with reasons")
    parked_cmd.add_argument("service", choices=SERVICES)
    replay_cmd = sub.add_parser("replay", help="publish parked events again")
    replay_cmd.add_argument("service", choices=SERVICES)
    replay_cmd.add_argument("ids", nargs="*", type=int, help="only these (default: all)")
    health_cmd = sub.add_parser("health", help="probe a running service (exit 0 when ok)")
    health_cmd.add_argument("service", choices=SERVICES)
    health_cmd.add_argument("--timeout", type=float, default=5.0)
    revision_cmd = sub.add_parser("revision", help="autogenerate a migration")
    revision_cmd.add_argument("service", choices=SERVICES)
    revision_cmd.add_argument("message")
    law_cmd = sub.add_parser("law-change", help="open cases affected by a change of law")
    law_cmd.add_argument("--nation", required=True)
    law_cmd.add_argument("--on", required=True, help="the day the new law pack takes effect")
    args = parser.parse_args()
    if args.command == "migrate":
        try:
            migrate(args.services or list(SERVICES))
        except MigrationFailed as failure:
            raise SystemExit(str(failure)) from None
    elif args.command == "parked":
        for row in parked(args.service):
            print(
                f"#{row['id']} {row['rejected_at']} {row['handler']} event {row['event_id']}: "
                f"{json.dumps(row['errors'])}"
            )
    elif args.command == "replay":
        print(f"{replay(args.service, args.ids)} event(s) published again")
    elif args.command == "health":
        status, answer = health(
            args.service, service_config(args.service)["AMQP_URI"], args.timeout
        )
        print(json.dumps(answer))
        raise SystemExit(status)
    elif args.command == "law-change":
        print(json.dumps(law_change(args.nation, args.on), indent=2))
    else:
        revision(args.service, args.message)


if __name__ == "__main__":
    main()
