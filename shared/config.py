"""Read a service's nameko ``config.yaml`` the way ``nameko run`` does (``${VAR:default}``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from nameko.cli.main import setup_yaml_parser

SERVICES = ("enquiry", "advice", "cases", "tasks", "documents")
SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def service_config(service: str) -> dict[str, Any]:
    setup_yaml_parser()
    with open(SERVICES_DIR / service / "config.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)
