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
from shared.config import service_config
from shared.db import create_engine_for
from shared.errors import ValidationFailed
from shared.migrations import prepare_database


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.advice.load_bank")
    parser.add_argument("bank", type=Path)
    parser.add_argument("--template", type=Path, default=STARTER_TEMPLATE)
    args = parser.parse_args(argv)
    try:
        bank = yaml.safe_load(args.bank.read_text(encoding="utf-8"))
        questions = questions_of(yaml.safe_load(args.template.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        print(f"cannot read input: {error}", file=sys.stderr)
        return 1
    engine = create_engine_for(service_config("advice")["DATABASE_URL"])
    prepare_database(engine, "advice")
    try:
        with Session(engine) as session, session.begin():
            added = load_bank(session, bank, questions)
    except ValidationFailed as error:
        print(f"{args.bank}: rejected", file=sys.stderr)
        for field, messages in error.field_errors.items():
            for message in messages:
                print(f"  {field}: {message}", file=sys.stderr)
        return 1
    except (KeyError, TypeError) as error:
        print(f"{args.bank}: rejected: malformed bank ({error!r})", file=sys.stderr)
        return 1
    print(f"{args.bank}: {added} statement version(s) added")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
