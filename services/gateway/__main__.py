"""``python -m services.gateway [--host H] [--port P]``: serve the gateway with uvicorn, its
settings from the environment (docs/configuration.md)."""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from services.gateway.app import create_app
from services.gateway.settings import Settings, SettingsError
from shared.redaction import logging_config


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m services.gateway")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies whose X-Forwarded-For is trusted for the client address (rate limits)",
    )
    arguments = parser.parse_args()
    try:
        settings = Settings.from_env()
        settings.check()
    except SettingsError as problem:
        print(f"gateway: {problem}", file=sys.stderr)
        return 1
    uvicorn.run(
        create_app(settings),
        host=arguments.host,
        port=arguments.port,
        proxy_headers=True,
        forwarded_allow_ips=arguments.forwarded_allow_ips,
        # Every line through the redacting filter (docs/security.md); LOG_LEVEL as the services.
        log_config=logging_config(os.environ.get("LOG_LEVEL", "INFO")),
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
