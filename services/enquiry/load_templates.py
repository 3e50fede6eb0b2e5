"""Load question template files into the enquiry database:

    python -m services.enquiry.load_templates my-form.yaml other-form.json

Uses ENQUIRY_DATABASE_URL and COUNCIL_NATION (as services/enquiry/config.yaml). Each file is
checked, including that it declares the council's nation, its effective dates and the roles of
its questions; a file with problems is reported field by field and nothing from it is stored."""

from __future__ import annotations

import sys

from services.enquiry.council import ConfigurationError, council_nation_of
from services.enquiry.seed import load_template_file
from shared.config import service_config
from shared.loader_cli import load_files


def main(paths: list[str]) -> int:
    config = service_config("enquiry")
    try:
        council_nation = council_nation_of(config, "load_templates")
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 1
    return load_files(
        "enquiry",
        paths,
        lambda session, path: load_template_file(session, path, council_nation),
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
