"""The consuming half of the closed bus (docs/security.md, "Broker users and the closed bus").

Each service connects to RabbitMQ as its own user and stamps every message it publishes with
the AMQP ``user_id`` property, which RabbitMQ refuses unless it names the connection's user
(``shared.nameko_wiring``). The ``event_handler`` here, used by every service instead of
nameko's, accepts an event only when that verified publisher is the service its envelope's
``source`` names: the broker's permissions keep other services off the source's exchange, and this
keeps them from forging the source on their own exchange or through the default exchange.

Config: ``BUS_USERS``, ``{service: broker user}``. Without it, the check is on when the service
itself connects as ``svc-<service>`` (the users ``scripts/broker_users.py`` creates), with every
service expected as ``svc-<service>``; and off otherwise, so a local run as ``guest`` works.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kombu import Connection
from nameko.events import EventHandler as NamekoEventHandler

from shared.config import SERVICES

log = logging.getLogger(__name__)


def connection_user(amqp_uri: str) -> str:
    """The user a connection to ``amqp_uri`` logs in as: what RabbitMQ checks ``user_id``
    against (``guest`` when the URI names none, as for the connection itself)."""
    return Connection(amqp_uri).info()["userid"]


def bus_users(config: Mapping[str, Any], service: str) -> dict[str, str] | None:
    """``{service: broker user}`` whose events this service accepts, or None when the bus is
    open (no check). ``BUS_USERS`` may be a mapping or ``"cases=svc-cases,..."``."""
    configured = config.get("BUS_USERS")
    if isinstance(configured, Mapping):
        return {str(k): str(v) for k, v in configured.items()} or None
    if isinstance(configured, str) and configured.strip():
        pairs = (item.split("=", 1) for item in configured.split(",") if item.strip())
        return {k.strip(): v.strip() for k, v in pairs}
    if connection_user(config["AMQP_URI"]) == f"svc-{service}":
        return {name: f"svc-{name}" for name in SERVICES}
    return None


def refusal(
    body: Any, publisher: str | None, source: str, service: str, users: Mapping[str, str]
) -> str | None:
    """Why an event from ``source``'s exchange, published by the broker user ``publisher``
    (its verified ``user_id``), may not reach ``service``'s handler; None if it may.

    The service's own user is trusted: it delivers waiting events again, whoever sent them first.
    A body that is not an envelope passes to the handler, which parks it as malformed, when the
    source's own user published it."""
    if publisher is not None and publisher == users.get(service):
        return None
    claimed = body.get("source", source) if isinstance(body, dict) else source
    if claimed != source:
        return f"the envelope names {str(claimed)[:40]!r} as its source, the exchange {source!r}"
    expected = users.get(source)
    if publisher is None:
        return f"no user_id: {expected!r} must publish it"
    if publisher != expected:
        return f"published by {publisher!r}, not {expected!r}"
    return None


class EventHandler(NamekoEventHandler):
    """nameko's ``EventHandler``, refusing an event whose publisher is not its source. A refused
    event is acknowledged and dropped with a warning (its id and type, never its data): it was
    never the source's, so it is not parked for a replay."""

    users: dict[str, str] | None = None

    def setup(self) -> None:
        self.users = bus_users(self.container.config, self.container.service_name)
        super().setup()

    def handle_message(self, body: Any, message: Any) -> None:
        if self.users is not None:
            publisher = message.properties.get("user_id")
            reason = refusal(
                body, publisher, self.source_service, self.container.service_name, self.users
            )
            if reason is not None:
                event_id = body.get("id") if isinstance(body, dict) else None
                log.warning(
                    "refused %s event %s for %s: %s",
                    self.event_type,
                    str(event_id)[:64],
                    self.method_name,
                    reason,
                )
                self.queue_consumer.ack_message(message)
                return
        super().handle_message(body, message)


event_handler = EventHandler.decorator
