"""The closed bus for tests that start the services as processes (end-to-end and fault suites):
each service connects as its own broker user in the test's vhost, as in production, while the
test's own proxies and recorders stay the vhost's administrator."""

from __future__ import annotations

import secrets
import urllib.parse

from kombu import Connection, Exchange

from scripts import broker_users
from shared.config import SERVICES


def own_broker_users(rabbit_config: dict, api_uri: str) -> dict[str, dict[str, str]]:
    """``{service: {"AMQP_URI": its own user's URI}}`` for ``ServiceProcesses(env_for=...)``,
    with the users (new passwords) set up in the test's vhost by scripts/broker_users.py."""
    passwords = {broker_users.user_of(service): secrets.token_hex(16) for service in SERVICES}
    broker_users.apply(api_uri, rabbit_config["vhost"], passwords)
    parts = urllib.parse.urlsplit(rabbit_config["AMQP_URI"])
    # Each service binds to the exchanges it consumes, which only their owners may declare.
    with Connection(rabbit_config["AMQP_URI"]) as admin:
        for service in SERVICES:
            Exchange(f"{service}.events", type="topic", durable=True)(admin.channel()).declare()

    def uri(user: str) -> str:
        netloc = f"{user}:{passwords[user]}@{parts.hostname}:{parts.port or 5672}"
        return urllib.parse.urlunsplit(("amqp", netloc, parts.path, "", ""))

    return {service: {"AMQP_URI": uri(broker_users.user_of(service))} for service in SERVICES}
