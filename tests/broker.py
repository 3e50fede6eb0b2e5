"""The closed bus for tests that start the services as processes (end-to-end and fault suites):
each service connects as its own broker user in the test's vhost, as in production, while the
test's own proxies and recorders stay the vhost's administrator."""

from __future__ import annotations

from scripts import broker_users
from scripts.local_keys import local_broker_passwords


def own_broker_users(rabbit_config: dict, api_uri: str) -> dict[str, dict[str, str]]:
    """``{service: {"AMQP_URI": its own user's URI}}`` for ``ServiceProcesses(env_for=...)``
    (and ``gateway``'s, for a gateway process), with the users (the checkout's passwords) set
    up in the test's vhost by scripts/broker_users.py."""
    # The checkout's passwords, as `make run` gives them: the users are the broker's, so a run
    # with new ones would lock out another test run (or `make run`) going on beside it.
    passwords = local_broker_passwords()
    broker_users.apply(api_uri, rabbit_config["vhost"], passwords)
    broker_users.declare_event_exchanges(rabbit_config["AMQP_URI"])
    return broker_users.service_uris(rabbit_config["AMQP_URI"], passwords)
