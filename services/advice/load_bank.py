"""Load a statement bank file (YAML or JSON: sections, workflows, statements) into the advice
database, checked against a question template:

    python -m services.advice.load_bank our-bank.yaml [--template our-form.yaml]

Uses ADVICE_DATABASE_URL (as services/advice/config.yaml). The template defaults to the advice
service's copy of the shipped starter form's questions (services/advice/seed/questions/).
Every statement names its nations, source and reviewed_on (see docs/advice-rules.md). Changed
statements get a new version; if anything in the file is wrong, every problem is printed, as
``statement[<key>].<field>: message``, and nothing is stored."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from services.advice.seed import STARTER_TEMPLATE, load_bank, questions_of
from shared.loader_cli import load_files, read_yaml


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.advice.load_bank")
    parser.add_argument("bank", type=Path)
    parser.add_argument("--template", type=Path, default=STARTER_TEMPLATE)
    args = parser.parse_args(argv)
    try:
        questions = questions_of(read_yaml(args.template))
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        print(f"cannot read the template: {error}", file=sys.stderr)
        return 1

    def load(session: Session, path: Path) -> str:
        added = load_bank(session, read_yaml(path), questions)
        return f"{added} statement version(s) added"

    return load_files("advice", [args.bank], load)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
