"""Load task frameworks from a YAML or JSON file into the tasks database:

    python -m services.tasks.load_frameworks our-frameworks.yaml

Uses TASKS_DATABASE_URL (as services/tasks/config.yaml). The file has `frameworks:` keyed by
workflow, each naming its nations, effective_from (and effective_to), its opening tasks and its
duty part (see services/tasks/seed/task_frameworks.yaml and docs/tasks.md). Everything is
checked (nations, dates, units, link types, anchors, unknown predecessors, cycles); if anything
is wrong every problem is printed, each with its field, and nothing is stored. A changed edition
gets a new version and applies to cases opened (or duties begun) from then on; the shipped
frameworks never overwrite an edition loaded this way."""

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
            with Session(engine) as session, session.begin():
                editions = load_frameworks(session, document)
            print(f"{name}: loaded {', '.join(sorted(e.key for e in editions))}")
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
