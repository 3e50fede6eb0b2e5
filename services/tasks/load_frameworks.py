"""Load task frameworks from a YAML or JSON file into the tasks database:

    python -m services.tasks.load_frameworks our-frameworks.yaml

Uses TASKS_DATABASE_URL (as services/tasks/config.yaml). The file has `frameworks:` keyed by
workflow (see services/tasks/seed/task_frameworks.yaml). Every framework is checked (units, link
types, unknown predecessors, cycles); if any is wrong every problem is printed and nothing is
stored. A changed framework gets a new version and applies to cases opened from then on."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from services.tasks.seed import load_frameworks
from shared.config import service_config
from shared.db import create_engine_for
from shared.errors import ValidationFailed
from shared.migrations import prepare_database


def main(paths: list[str]) -> int:
    engine = create_engine_for(service_config("tasks")["DATABASE_URL"])
    prepare_database(engine, "tasks")
    failed = 0
    for name in paths:
        try:
            document = yaml.safe_load(Path(name).read_text(encoding="utf-8"))
            if not isinstance(document, dict) or not isinstance(document.get("frameworks"), dict):
                raise ValidationFailed(
                    {"frameworks": ["the file needs frameworks: {workflow: [...]}"]}
                )
            with Session(engine) as session, session.begin():
                load_frameworks(session, document)
            print(f"{name}: loaded {', '.join(sorted(document['frameworks']))}")
        except ValidationFailed as error:
            failed += 1
            print(f"{name}: rejected", file=sys.stderr)
            for field, messages in error.field_errors.items():
                for message in messages:
                    print(f"  {field}: {message}", file=sys.stderr)
        except (OSError, yaml.YAMLError) as error:
            failed += 1
            print(f"{name}: rejected: {error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
