"""The one way the content loaders (question templates, statement banks, task frameworks) load
files from the command line: the service's database migrated, one transaction per file, and a
file with problems reported field by field with nothing from it stored. Exit status 1 if any
file was rejected."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from shared.config import service_config
from shared.db import create_engine_for
from shared.errors import Conflict, ValidationFailed
from shared.migrations import prepare_database

# Loads one file in the given session; returns what to print on success.
LoadFile = Callable[[Session, Path], str]
# What else a loader may raise for a file it cannot read or that is malformed.
UNREADABLE = (Conflict, OSError, ValueError, KeyError, TypeError, yaml.YAMLError)


def load_files(service: str, paths: Iterable[Path | str], load_file: LoadFile) -> int:
    engine = create_engine_for(service_config(service)["DATABASE_URL"])
    try:
        prepare_database(engine, service)
        failed = 0
        for name in paths:
            path = Path(name)
            try:
                with Session(engine) as session, session.begin():
                    outcome = load_file(session, path)
                print(f"{path}: {outcome}")
            except ValidationFailed as error:
                failed += 1
                print(f"{path}: rejected", file=sys.stderr)
                for field, messages in error.field_errors.items():
                    for message in messages:
                        print(f"  {field}: {message}", file=sys.stderr)
            except UNREADABLE as error:
                failed += 1
                print(f"{path}: rejected: {error}", file=sys.stderr)
        return 1 if failed else 0
    finally:
        engine.dispose()


def read_yaml(path: Path) -> object:
    """A YAML (or JSON) file's content."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))
