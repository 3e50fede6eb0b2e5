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

from sqlalchemy.orm import Session

from services.tasks.seed import load_frameworks
from shared.loader_cli import load_files, read_yaml


def main(paths: list[str]) -> int:
    def load(session: Session, path: Path) -> str:
        editions = load_frameworks(session, read_yaml(path))
        return f"loaded {', '.join(sorted(e.key for e in editions))}"

    return load_files("tasks", paths, load)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
