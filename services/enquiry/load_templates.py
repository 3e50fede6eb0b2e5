"""Load question template files into the enquiry database:

    python -m services.enquiry.load_templates my-form.yaml other-form.json

Uses ENQUIRY_DATABASE_URL and COUNCIL_NATION (as services/enquiry/config.yaml). Each file is
checked, including that it declares the council's nation, its effective dates and the roles of
its questions; a file with problems is reported field by field and nothing from it is stored."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from services.enquiry.council import ConfigurationError, council_nation_of
from services.enquiry.seed import load_template_file
from shared.config import service_config
from shared.db import create_engine_for
from shared.errors import Conflict, ValidationFailed
from shared.migrations import prepare_database


def main(paths: list[str]) -> int:
    config = service_config("enquiry")
    try:
        council_nation = council_nation_of(config, "load_templates")
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 1
    engine = create_engine_for(config["DATABASE_URL"])
    prepare_database(engine, "enquiry")
    failed = 0
    for name in paths:
        try:
            with Session(engine) as session, session.begin():
                outcome = load_template_file(session, Path(name), council_nation)
            print(f"{name}: {outcome}")
        except ValidationFailed as error:
            failed += 1
            print(f"{name}: rejected", file=sys.stderr)
            for field, messages in error.field_errors.items():
                for message in messages:
                    print(f"  {field}: {message}", file=sys.stderr)
        except (Conflict, OSError, ValueError, yaml.YAMLError) as error:
            failed += 1
            print(f"{name}: rejected: {error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
