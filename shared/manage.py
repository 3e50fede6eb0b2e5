"""Operator commands: ``python -m shared.manage migrate [service ...]`` applies each service's
Alembic migrations and loads its seed data (what a service also does on start);
``python -m shared.manage revision SERVICE "message"`` autogenerates a migration."""

from __future__ import annotations

import argparse
import importlib

from alembic import command

from shared.config import SERVICES, SERVICES_DIR, service_config
from shared.db import create_engine_for
from shared.migrations import alembic_config, prepare_database
from shared.unit_of_work import UnitOfWorkProvider


def provider_of(service: str) -> UnitOfWorkProvider:
    module = importlib.import_module(f"services.{service}.service")
    cls = next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and getattr(value, "name", None) == service
    )
    return cls.uow


def migrate(services: list[str]) -> None:
    for service in services:
        url = service_config(service)["DATABASE_URL"]
        prepare_database(create_engine_for(url), service, provider_of(service).seed)
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    migrate_cmd = sub.add_parser("migrate", help="apply migrations and seed data")
    migrate_cmd.add_argument("services", nargs="*", metavar="SERVICE", help=", ".join(SERVICES))
    revision_cmd = sub.add_parser("revision", help="autogenerate a migration")
    revision_cmd.add_argument("service", choices=SERVICES)
    revision_cmd.add_argument("message")
    args = parser.parse_args()
    if args.command == "migrate":
        migrate(args.services or list(SERVICES))
    else:
        revision(args.service, args.message)


if __name__ == "__main__":
    main()
