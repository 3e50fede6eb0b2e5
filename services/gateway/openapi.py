"""The gateway's OpenAPI document, as committed in docs/openapi.json: ``python -m
services.gateway.openapi`` writes it again after a change to the API (``make openapi``), and a
unit test fails while the committed file and the code differ."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from services.gateway.app import create_app
from services.gateway.settings import Settings

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def document() -> dict[str, Any]:
    return create_app(Settings()).openapi()


def rendered() -> str:
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    COMMITTED.write_text(rendered(), encoding="utf-8")
    print(f"wrote {COMMITTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
