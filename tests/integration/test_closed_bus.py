"""The closed bus against the real broker: the per-service users scripts/broker_users.py creates
(in the test's vhost), the user_id every service stamps on what it publishes, and the source check
of shared.bus. A kombu client with one service's credentials cannot publish on another's
exchange, claim another user, read another's queues or the internal events it does not handle;
a forged audit.recorded never reaches a case's timeline."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from amqp.exceptions import AccessRefused, PreconditionFailed
from kombu import Connection, Consumer, Exchange, Queue
from nameko.testing.services import entrypoint_waiter

from scripts import broker_users
from scripts.local_keys import local_broker_passwords
from services.cases.service import CasesService
from shared.audit import audit_envelope
from shared.bus import bus_users, connection_user, refusal
from shared.config import SERVICES
from shared.envelope import Envelope
from shared.manage import health
from tests.identity import SignedRpc
from tests.integration.helpers import enquiry_submitted, rows
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration

USERS = [broker_users.user_of(service) for service in SERVICES] + [broker_users.PARTNER_USER]


def events_exchange(source: str, passive: bool = False) -> Exchange:
    return Exchange(f"{source}.events", type="topic", durable=True, passive=passive)


@pytest.fixture(scope="session")
def broker_api(request) -> Iterator[broker_users.ManagementApi]:
    """Users are the broker's, not a vhost's: the services' users keep the checkout's passwords
    (scripts/local_keys.py), which every test run and `make run` beside this one use too; the
    partner's user, made up here, is not left behind (at the end of the session, once every
    container that logs in as it has stopped)."""
    api = broker_users.ManagementApi(request.config.getoption("RABBIT_API_URI"))
    yield api
    with contextlib.suppress(OSError):
        api.delete(f"users/{broker_users.PARTNER_USER}")


@pytest.fixture
def bus(rabbit_config, request, broker_api) -> Callable[[str], str]:
    """The closed bus's users in this test's vhost; gives the AMQP URI to connect as one."""
    api = request.config.getoption("RABBIT_API_URI")
    passwords = {**local_broker_passwords(), broker_users.PARTNER_USER: secrets.token_hex(16)}
    passwords = {user: passwords[user] for user in USERS}
    assert broker_users.apply(api, rabbit_config["vhost"], passwords) == USERS
    # The exchanges exist before anyone publishes (a service declares its own when it starts).
    broker_users.declare_event_exchanges(rabbit_config["AMQP_URI"])
    return lambda user: broker_users.user_uri(rabbit_config["AMQP_URI"], user, passwords[user])


def publish(
    uri: str,
    body: Any,
    *,
    exchange: Exchange | str = "",
    routing_key: str,
    user_id: str | None = None,
) -> None:
    """One message, confirmed: a refusal raises here. ``user_id`` defaults to the connection's
    user; ``""`` sends none."""
    properties = {"user_id": user_id or connection_user(uri)} if user_id != "" else {}
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        connection.Producer(serializer="json").publish(
            body, exchange=exchange, routing_key=routing_key, retry=False, **properties
        )


def as_event(envelope: Envelope) -> dict[str, Any]:
    return envelope.to_message()


def test_a_service_cannot_publish_on_an_exchange_it_does_not_own(bus):
    forged = audit_envelope(
        source="cases",
        actor="mallory",
        action="case.closed",
        entity_type="case",
        entity_id="x",
        correlation_id="c",
    )
    with pytest.raises(AccessRefused):
        publish(
            bus("svc-advice"),
            as_event(forged),
            exchange=events_exchange("cases"),
            routing_key="audit.recorded",
        )
    with pytest.raises(AccessRefused):
        publish(bus("partner-readonly"), {}, exchange=events_exchange("cases"), routing_key="x")


def test_a_service_cannot_publish_as_another_user(bus):
    advice = bus("svc-advice")
    # Its own exchange, as itself: fine.
    publish(advice, {}, exchange=events_exchange("advice"), routing_key="advice.matched")
    with pytest.raises(PreconditionFailed):
        publish(
            advice,
            {},
            exchange=events_exchange("advice"),
            routing_key="advice.matched",
            user_id="svc-cases",
        )


def test_a_service_cannot_consume_another_services_queue_or_make_its_own(bus, rabbit_config):
    queue = "evt-advice-audit.recorded--cases.record_advice_audit"
    with Connection(rabbit_config["AMQP_URI"]) as admin:
        Queue(queue, exchange=events_exchange("advice"), routing_key="audit.recorded")(
            admin.channel()
        ).declare()
    with Connection(bus("svc-advice")) as connection:
        with pytest.raises(AccessRefused):
            Consumer(connection.channel(), queues=[Queue(queue, no_declare=True)]).consume()
        with pytest.raises(AccessRefused):
            Queue("advice-listens-in", exchange=events_exchange("cases"), routing_key="#")(
                connection.channel()
            ).declare()


def test_internal_events_reach_only_the_services_that_handle_them(bus):
    # The tasks service handles enquiry.workflow_changed; it may not bind for the answers.
    own = "evt-enquiry-enquiry.workflow_changed--tasks.follow_workflow_change"
    with Connection(bus("svc-tasks")) as connection:
        Queue(own, exchange=events_exchange("enquiry"), routing_key="enquiry.workflow_changed")(
            connection.channel()
        ).declare()
        for key in ("enquiry.submitted", "#", "enquiry.*"):
            with pytest.raises(AccessRefused):
                Queue(own, exchange=events_exchange("enquiry"), routing_key=key)(
                    connection.channel()
                ).declare()
        # Nor receive another service's RPC requests (and their tokens) on its own queue.
        with pytest.raises(AccessRefused):
            Queue(
                "rpc-tasks",
                exchange=Exchange("nameko-rpc", type="topic", durable=True),
                routing_key="cases.*",
            )(connection.channel()).declare()
    # A partner reads the public case.* events, and nothing else on cases.events.
    with Connection(bus("partner-readonly")) as connection:
        cases_events = events_exchange("cases", passive=True)
        Queue("partner.council-x", exchange=cases_events, routing_key="case.opened")(
            connection.channel()
        ).declare()
        Queue("partner.council-x", exchange=cases_events, routing_key="case.#")(
            connection.channel()
        ).declare()
        for key in ("audit.recorded", "#", "*.recorded"):
            with pytest.raises(AccessRefused):
                Queue("partner.council-x", exchange=cases_events, routing_key=key)(
                    connection.channel()
                ).declare()
        with pytest.raises(AccessRefused):
            Queue("partner.enquiries", exchange=events_exchange("enquiry", True), routing_key="#")(
                connection.channel()
            ).declare()


def test_the_suite_works_with_every_service_as_its_own_user(
    bus, container_factory, service_config, rabbit_config
):
    # Each declares its exchanges, queues and bindings, and the health check (a standalone RPC
    # proxy, as the container's probe runs it) gets its reply, within its user's permissions;
    # an enquiry's events then flow through every service, each accepting the others'.
    configs = {}
    for service in SERVICES:
        uri = bus(broker_users.user_of(service))
        configs[service] = service_config(service, AMQP_URI=uri)
        container_factory(broker_users.service_class(service), configs[service]).start()
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, {**configs["cases"], **rabbit_config}).start()
    for service in SERVICES:
        status, answer = health(service, bus(broker_users.user_of(service)), timeout=20)
        assert status == 0, answer
    publish(
        bus("svc-enquiry"),
        as_event(enquiry_submitted()),
        exchange=events_exchange("enquiry"),
        routing_key="enquiry.submitted",
    )
    for event_type in ("case.opened", "advice.matched", "task.plan_created"):
        wait_for(lambda event_type=event_type: of_type(received, event_type))
    for service in ("advice", "cases", "tasks", "documents"):
        parked = rows(configs[service]["DATABASE_URL"], "SELECT handler FROM rejected_events")
        assert parked == [], (service, parked)


@pytest.fixture
def cases(bus, container_factory, service_config, rabbit_config):
    """The cases service connected as svc-cases; a recorder (as the test's admin) hears it."""
    config = service_config("cases", AMQP_URI=bus("svc-cases"))
    container = container_factory(CasesService, config)
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, {**config, "AMQP_URI": rabbit_config["AMQP_URI"]}).start()
    container.start()
    return container, config, received


def audit(source: str, event: Envelope, actor: str, action: str, case_id: str | None) -> Envelope:
    return audit_envelope(
        source=source,
        actor=actor,
        action=action,
        entity_type="case",
        entity_id=case_id or event.data["enquiry_id"],
        case_id=case_id,
        correlation_id=event.correlation_id,
    )


def test_a_forged_audit_event_never_reaches_a_timeline(bus, cases, rabbit_config):
    container, config, received = cases
    listen = Queue(
        "test-listens-to-cases", exchange=events_exchange("cases"), routing_key="case.opened"
    )
    with Connection(rabbit_config["AMQP_URI"]) as admin:
        listen(admin.channel()).declare()

    event = enquiry_submitted()
    with entrypoint_waiter(container, "open_case_for_enquiry"):
        publish(
            bus("svc-enquiry"),
            as_event(event),
            exchange=events_exchange("enquiry"),
            routing_key="enquiry.submitted",
        )
    case_id = wait_for(lambda: of_type(received, "case.opened"))[0]["data"]["case_id"]
    # What the service publishes carries its broker user, which RabbitMQ checked.
    with Connection(rabbit_config["AMQP_URI"]) as admin:
        opened = listen(admin.channel()).get(no_ack=True)
    assert opened.properties["user_id"] == "svc-cases"

    advice, enquiry, cases_uri = bus("svc-advice"), bus("svc-enquiry"), bus("svc-cases")
    enquiry_queue = "evt-enquiry-audit.recorded--cases.record_enquiry_audit"
    advice_queue = "evt-advice-audit.recorded--cases.record_advice_audit"
    with entrypoint_waiter(container, "record_advice_audit"):
        # The advice service claims to be cases, on its own exchange...
        publish(
            advice,
            as_event(audit("cases", event, "mallory", "case.closed", case_id)),
            exchange=events_exchange("advice"),
            routing_key="audit.recorded",
        )
        # ...straight into the cases service's queue, as itself and without a user_id.
        publish(
            advice,
            as_event(audit("advice", event, "mallory", "case.reopened", case_id)),
            routing_key=advice_queue,
            user_id="",
        )
        # Its own audit event, as itself: accepted (and, behind the forgeries, the cue).
        publish(
            advice,
            as_event(audit("advice", event, "advice-service", "advice.matched", case_id)),
            exchange=events_exchange("advice"),
            routing_key="audit.recorded",
        )
    with entrypoint_waiter(container, "record_enquiry_audit"):
        # The advice service claims to be the enquiry service through the default exchange.
        publish(
            advice,
            as_event(audit("enquiry", event, "mallory", "enquiry.withdrawn", case_id)),
            routing_key=enquiry_queue,
        )
        publish(
            enquiry,
            as_event(audit("enquiry", event, "customer", "enquiry.submitted", None)),
            exchange=events_exchange("enquiry"),
            routing_key="audit.recorded",
        )
    # A waiting event the service delivers again itself (shared.nameko_wiring._redeliver) is its
    # own user's, whoever sent it first.
    with entrypoint_waiter(container, "record_tasks_audit"):
        publish(
            cases_uri,
            as_event(audit("tasks", event, "caseworker-1", "task.completed", case_id)),
            routing_key="evt-tasks-audit.recorded--cases.record_tasks_audit",
        )

    with SignedRpc(config) as rpc:
        timeline = rpc.cases.get_timeline(case_id)
    entries = {(entry["source"], entry["action"]) for entry in timeline}
    assert {
        ("cases", "case.opened"),
        ("advice", "advice.matched"),
        ("enquiry", "enquiry.submitted"),
        ("tasks", "task.completed"),
    } <= entries
    assert not {entry["actor"] for entry in timeline} & {"mallory"}
    stored = rows(config["DATABASE_URL"], "SELECT actor FROM audit_entries")
    assert ("mallory",) not in stored
    # Refused, not parked: a forgery is not something to replay.
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM rejected_events") == [(0,)]


def test_the_source_check():
    users = {service: f"svc-{service}" for service in SERVICES}
    envelope = {"id": "e1", "source": "advice", "type": "audit.recorded"}
    assert refusal(envelope, "svc-advice", "advice", "cases", users) is None
    assert "source" in refusal(
        {**envelope, "source": "cases"}, "svc-advice", "advice", "cases", users
    )
    assert "svc-tasks" in refusal(envelope, "svc-tasks", "advice", "cases", users)
    assert "no user_id" in refusal(envelope, None, "advice", "cases", users)
    # Delivered again by the consuming service itself.
    assert refusal(envelope, "svc-cases", "advice", "cases", users) is None
    # Not an envelope, from the right publisher: the handler parks it as malformed.
    assert refusal("junk", "svc-advice", "advice", "cases", users) is None


def test_the_check_is_off_for_a_local_run_as_guest_and_on_for_service_users():
    guest = {"AMQP_URI": "amqp://guest:guest@localhost:5672/"}
    assert bus_users(guest, "cases") is None
    own = bus_users({"AMQP_URI": "amqp://svc-cases:pw@rabbitmq:5672/"}, "cases")
    assert own == {service: f"svc-{service}" for service in SERVICES}
    configured = bus_users({**guest, "BUS_USERS": "cases=bus-cases, advice=bus-advice"}, "cases")
    assert configured == {"cases": "bus-cases", "advice": "bus-advice"}
    assert bus_users({**guest, "BUS_USERS": {"tasks": "t"}}, "cases") == {"tasks": "t"}
