"""The broker users of the closed bus (docs/security.md, "Broker users and the closed bus"): one
RabbitMQ user per service, ``svc-<service>``, allowed to declare, write and read only its own
exchanges and queues and the exchanges it consumes from; ``svc-gateway``, which only sends RPC
requests and reads its own replies; and ``partner-readonly``, allowed to bind its own queues to
the public ``case.*`` events and nothing else.

The names are nameko's, worked out from the code so a new handler cannot drift from them:

- events: each service publishes on the topic exchange ``<service>.events`` (routing key = event
  type); a handler's queue is ``evt-<source>-<type>--<service>.<method>``, bound to
  ``<source>.events`` with the event type; nameko declares the source's exchange too, so the
  consumer needs ``configure`` on it (which cannot let it write there);
- RPC: requests and replies go through the topic exchange ``nameko-rpc``; a service consumes
  ``rpc-<service>`` (bound with ``<service>.*``), a service calling RPCs (``RpcProxy``) consumes
  ``rpc.reply-<service>-<uuid>`` and the health check (``ClusterRpcProxy``) consumes
  ``rpc.reply-standalone_rpc_proxy-<uuid>``, each bound with its uuid;
- a waiting event is delivered again through the default exchange (``amq.default``) straight to
  the handler's queue (``UnitOfWorkProvider._redeliver``).

RabbitMQ's permissions are per exchange or queue name; which routing keys a user may bind (read)
is limited by its *topic* permissions, so a service reads from another's exchange only the event
types it handles (the tasks service never gets ``enquiry.submitted`` and its answers) and binds
``rpc-<service>`` only with ``<service>.*`` (never another service's requests and tokens).

Usage (what ``deploy/rabbitmq-users.sh`` runs)::

    BROKER_API_URI=http://admin:secret@rabbitmq:15672 BROKER_VHOST=/ \\
    BROKER_PASSWORD_ENQUIRY=... BROKER_PASSWORD_ADVICE=... BROKER_PASSWORD_CASES=... \\
    BROKER_PASSWORD_TASKS=... BROKER_PASSWORD_DOCUMENTS=... BROKER_PASSWORD_GATEWAY=... \\
    [BROKER_PASSWORD_PARTNER=...] \\
    python -m scripts.broker_users

``python -m scripts.broker_users --print`` shows the permissions without a broker.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import inspect
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.config import SERVICES

RPC_EXCHANGE = "nameko-rpc"
DEFAULT_EXCHANGE = "amq.default"
PARTNER_USER = "partner-readonly"
# The HTTP gateway (services/gateway) calls the services' RPCs and reads only its own replies.
GATEWAY = "gateway"
PARTNER_QUEUES = r"partner\.[A-Za-z0-9_.-]+"
# The public events other council systems may read (docs/events.md): nothing else on cases.events
# (its own audit.recorded carries before/after summaries).
PUBLIC_EXCHANGE = "cases.events"
PUBLIC_TOPICS = r"^case\."
# A reply queue's routing key is a uuid4 (braces would clash with RabbitMQ's {username} expansion).
UUID = r"[0-9a-f-]+"
DENY = "^$"


def user_of(service: str) -> str:
    return f"svc-{service}"


def password_variable(user: str) -> str:
    name = "PARTNER" if user == PARTNER_USER else user.removeprefix("svc-").upper()
    return f"BROKER_PASSWORD_{name}"


@dataclass(frozen=True)
class Subscription:
    source: str
    event_type: str
    service: str
    method: str

    @property
    def queue(self) -> str:
        return f"evt-{self.source}-{self.event_type}--{self.service}.{self.method}"


@dataclass
class Grant:
    """What one user may do in the vhost: RabbitMQ's three regexes, and topic permissions per
    topic exchange (``{exchange: (write, read)}``)."""

    user: str
    configure: str
    write: str
    read: str
    topics: dict[str, tuple[str, str]] = field(default_factory=dict)


def service_class(service: str) -> type:
    module = importlib.import_module(f"services.{service}.service")
    return next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and getattr(value, "name", None) == service
    )


def subscriptions(service: str) -> list[Subscription]:
    """The event handlers the service declares, as nameko will name their queues."""
    from nameko.events import SERVICE_POOL, EventHandler

    found = []
    for method, function in inspect.getmembers(service_class(service), inspect.isfunction):
        for entrypoint in getattr(function, "nameko_entrypoints", ()):
            if not isinstance(entrypoint, EventHandler):
                continue
            if entrypoint.handler_type != SERVICE_POOL:
                raise ValueError(f"{service}.{method}: only service-pool handlers are provisioned")
            found.append(
                Subscription(entrypoint.source_service, entrypoint.event_type, service, method)
            )
    return sorted(found, key=lambda s: s.queue)


def _names(*names: str) -> str:
    """An anchored regex for exactly these names (already-escaped patterns pass as they are)."""
    return "^(" + "|".join(names) + ")$"


def service_grant(service: str, subs: list[Subscription]) -> Grant:
    own_exchange = re.escape(f"{service}.events")
    rpc = re.escape(RPC_EXCHANGE)
    queues = [
        re.escape(f"rpc-{service}"),
        re.escape(f"rpc.reply-{service}-") + UUID,
        re.escape("rpc.reply-standalone_rpc_proxy-") + UUID,
        *(re.escape(s.queue) for s in subs),
    ]
    sources = sorted({s.source for s in subs})
    source_exchanges = [re.escape(f"{source}.events") for source in sources]
    # Delivering a waiting event again publishes on the default exchange: only consumers do.
    default = [re.escape(DEFAULT_EXCHANGE)] if subs else []
    topics = {
        f"{source}.events": (
            DENY,
            _names(*sorted({re.escape(s.event_type) for s in subs if s.source == source})),
        )
        for source in sources
    }
    topics[RPC_EXCHANGE] = (".*", _names(re.escape(f"{service}.*"), UUID))
    return Grant(
        user=user_of(service),
        configure=_names(own_exchange, rpc, *source_exchanges, *queues),
        write=_names(own_exchange, rpc, *default, *queues),
        read=_names(rpc, *source_exchanges, *queues),
        topics=topics,
    )


def partner_grant() -> Grant:
    """Read-only: its own ``partner.*`` queues (declared, bound, consumed) bound to
    ``cases.events`` with ``case.*`` keys only; it declares the exchange passively."""
    return Grant(
        user=PARTNER_USER,
        configure=_names(PARTNER_QUEUES),
        write=_names(PARTNER_QUEUES),
        read=_names(re.escape(PUBLIC_EXCHANGE), PARTNER_QUEUES),
        topics={PUBLIC_EXCHANGE: (DENY, PUBLIC_TOPICS)},
    )


def gateway_grant() -> Grant:
    """Sends RPC requests to the services (routing keys ``<service>.<method>``) and consumes its
    own reply queues, ``rpc.reply-gateway-<uuid>``, bound with their own names; no events."""
    reply_queue = re.escape("rpc.reply-gateway-") + UUID
    rpc = re.escape(RPC_EXCHANGE)
    methods = _names(*(re.escape(f"{service}.") + r"[a-z_]+" for service in SERVICES))
    return Grant(
        user=user_of(GATEWAY),
        configure=_names(rpc, reply_queue),
        write=_names(rpc, reply_queue),
        read=_names(rpc, reply_queue),
        topics={RPC_EXCHANGE: (methods, _names(reply_queue))},
    )


def grants() -> list[Grant]:
    return [service_grant(service, subscriptions(service)) for service in SERVICES] + [
        gateway_grant(),
        partner_grant(),
    ]


class ManagementApi:
    """Just enough of RabbitMQ's management HTTP API (standard library only)."""

    def __init__(self, uri: str, timeout: float = 10.0) -> None:
        parts = urllib.parse.urlsplit(uri)
        if not parts.username or parts.password is None:
            raise SystemExit(
                "BROKER_API_URI must name the administrator: http://user:pass@host:15672"
            )
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.base = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        credentials = (
            f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password)}"
        )
        self.auth = "Basic " + base64.b64encode(credentials.encode()).decode()
        self.timeout = timeout

    def put(self, path: str, body: Mapping[str, Any]) -> None:
        self._call("PUT", path, body)

    def delete(self, path: str) -> None:
        self._call("DELETE", path)

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> None:
        request = urllib.request.Request(
            f"{self.base}/api/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": self.auth, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout):
            pass

    def wait(self, seconds: float) -> None:
        """The management plugin answers a little after the broker: wait for it."""
        deadline = time.monotonic() + seconds
        while True:
            request = urllib.request.Request(
                f"{self.base}/api/overview", headers={"Authorization": self.auth}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout):
                    return
            except urllib.error.HTTPError:
                raise
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)


def apply(
    api_uri: str, vhost: str, passwords: Mapping[str, str], wait_seconds: float = 0
) -> list[str]:
    """Create (or update) the users that have a password in ``passwords`` ({user: password})
    and set their permissions in ``vhost``; returns the users set up. Idempotent."""
    api = ManagementApi(api_uri)
    if wait_seconds:
        api.wait(wait_seconds)
    quoted = urllib.parse.quote(vhost, safe="")
    api.put(f"vhosts/{quoted}", {})
    done = []
    for grant in grants():
        password = passwords.get(grant.user)
        if not password:
            continue
        user = urllib.parse.quote(grant.user, safe="")
        api.put(f"users/{user}", {"password": password, "tags": ""})
        api.put(
            f"permissions/{quoted}/{user}",
            {"configure": grant.configure, "write": grant.write, "read": grant.read},
        )
        for exchange, (write, read) in grant.topics.items():
            api.put(
                f"topic-permissions/{quoted}/{user}",
                {"exchange": exchange, "write": write, "read": read},
            )
        done.append(grant.user)
    return done


def user_uri(amqp_uri: str, user: str, password: str) -> str:
    """``amqp_uri`` (its host, port and vhost) logged in as ``user``."""
    parts = urllib.parse.urlsplit(amqp_uri)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    netloc = f"{user}:{password}@{host}:{parts.port or 5672}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def service_uris(amqp_uri: str, passwords: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """``{service: {"AMQP_URI": its own user's URI}}``, for the service processes' environment
    (``ServiceProcesses(env_for=...)``), and the gateway's when ``passwords`` has one."""
    clients = [*SERVICES, *([GATEWAY] if user_of(GATEWAY) in passwords else [])]
    return {
        client: {"AMQP_URI": user_uri(amqp_uri, user_of(client), passwords[user_of(client)])}
        for client in clients
    }


def declare_event_exchanges(admin_uri: str) -> None:
    """The services' event exchanges, declared by the administrator: each service binds to
    exchanges it consumes, which only their owners may declare."""
    from kombu import Connection, Exchange

    with Connection(admin_uri) as admin:
        for service in SERVICES:
            Exchange(f"{service}.events", type="topic", durable=True)(admin.channel()).declare()


def passwords_from(environ: Mapping[str, str]) -> dict[str, str]:
    """Every service's password is required (the partner's is optional): the names of the
    missing variables, never a value, if any is not set."""
    users = [user_of(service) for service in (*SERVICES, GATEWAY)]
    missing = [password_variable(u) for u in users if not environ.get(password_variable(u))]
    if missing:
        raise SystemExit("set " + ", ".join(missing) + " (see docs/security.md)")
    passwords = {u: environ[password_variable(u)] for u in users}
    if environ.get(password_variable(PARTNER_USER)):
        passwords[PARTNER_USER] = environ[password_variable(PARTNER_USER)]
    return passwords


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vhost", default=os.environ.get("BROKER_VHOST", "/"))
    parser.add_argument("--print", action="store_true", help="show the permissions and stop")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for the API")
    args = parser.parse_args(argv)
    if args.print:
        print(json.dumps([vars(grant) for grant in grants()], indent=2))
        return 0
    api_uri = os.environ.get("BROKER_API_URI")
    if not api_uri:
        raise SystemExit("set BROKER_API_URI, e.g. http://admin:secret@rabbitmq:15672")
    done = apply(api_uri, args.vhost, passwords_from(os.environ), wait_seconds=args.wait)
    print(f"broker users set up in vhost {args.vhost!r}: {', '.join(done)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
