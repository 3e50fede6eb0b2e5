"""The transactional outbox: an event is stored with the change that caused it, and a broker
that is away delays it, never loses it."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.enquiry.models import metadata
from shared.db import create_engine_for
from shared.envelope import Envelope
from shared.errors import NotYet
from shared.migrations import prepare_database
from shared.unit_of_work import UnitOfWork, WaitPolicy


class Broker:
    def __init__(self):
        self.up, self.received = True, []

    def dispatch(self, event_type, payload):
        if not self.up:
            raise ConnectionError("broker unreachable")
        self.received.append((event_type, payload["id"]))


@pytest.fixture
def engine(tmp_path):
    engine = create_engine_for(f"sqlite:///{tmp_path / 'enquiry.db'}")
    prepare_database(engine, "enquiry")
    yield engine
    engine.dispose()


def event(n):
    return Envelope(
        type="enquiry.submitted", version=1, source="enquiry", data={"n": n}, correlation_id="c"
    )


def unpublished(engine):
    with engine.connect() as connection:
        return (
            connection.execute(
                sa.text("SELECT event_id FROM outbox WHERE published_at IS NULL ORDER BY id")
            )
            .scalars()
            .all()
        )


def test_events_are_published_after_commit_and_marked(engine):
    broker = Broker()
    uow = UnitOfWork(engine, metadata, broker.dispatch, "enquiry", None)
    with uow.transaction() as tx:
        tx.emit(event(1))
        tx.emit(event(2))
    assert [name for name, _ in broker.received] == ["enquiry.submitted"] * 2
    assert unpublished(engine) == []


def test_a_rolled_back_change_announces_nothing(engine):
    broker = Broker()
    uow = UnitOfWork(engine, metadata, broker.dispatch, "enquiry", None)
    with pytest.raises(RuntimeError), uow.transaction() as tx:
        tx.emit(event(1))
        raise RuntimeError("the change failed")
    assert broker.received == [] and unpublished(engine) == []


def test_a_broker_outage_delays_events_and_the_relay_sends_them_in_order(engine):
    broker = Broker()
    broker.up = False
    uow = UnitOfWork(engine, metadata, broker.dispatch, "enquiry", None)
    first, second = event(1), event(2)
    with uow.transaction() as tx:  # the change commits although the broker is away
        tx.emit(first)
    with uow.transaction() as tx:
        tx.emit(second)
    assert unpublished(engine) == [first.id, second.id]
    assert uow.relay_outbox() == 0
    broker.up = True
    assert uow.relay_outbox() == 2
    assert [event_id for _, event_id in broker.received] == [first.id, second.id]
    assert unpublished(engine) == [] and uow.relay_outbox() == 0
    assert uow.outbox_backlog()["unpublished"] == 0


def test_a_failing_handler_is_retried_then_parked_and_replayed(engine, monkeypatch, tmp_path):
    broker = Broker()

    def handler_unit(name):
        # One unit of work per entrypoint: its name is the inbox key.
        return UnitOfWork(
            engine,
            metadata,
            broker.dispatch,
            "enquiry",
            None,
            max_attempts=3,
            backoff_seconds=0,
            handler=name,
        )

    uow = handler_unit("flaky")
    message = event(1).to_message()
    calls = []

    def flaky(tx, envelope):
        calls.append(envelope.id)
        if len(calls) < 3:
            raise ConnectionError("downstream away")
        return "applied"

    for _ in range(2):  # what nameko's requeue would do
        with pytest.raises(ConnectionError):
            uow.handle_event(message, flaky)
    assert uow.handle_event(message, flaky) == "applied"
    assert uow.handle_event(message, flaky) is None  # redelivered: already applied
    assert len(calls) == 3

    def broken(tx, envelope):
        raise RuntimeError("a bug")

    uow = handler_unit("broken")
    other = event(2).to_message()
    for _ in range(2):
        with pytest.raises(RuntimeError):
            uow.handle_event(other, broken)
    assert uow.handle_event(other, broken) is None  # third failure: parked, acked

    from shared import manage

    monkeypatch.setattr(
        manage,
        "service_config",
        lambda service: {"DATABASE_URL": str(engine.url), "AMQP_URI": "amqp://unused"},
    )
    (parked,) = manage.parked("enquiry")
    assert parked["handler"] == "broken" and "failed 3 times" in parked["errors"]["_error"][0]
    assert "RuntimeError('a bug')" in parked["errors"]["_error"][0]
    republished = []
    assert manage.replay("enquiry", dispatch=lambda *args: republished.append(args)) == 1
    # To the handler that parked it, not to every subscriber of the event again.
    assert republished == [("evt-enquiry-enquiry.submitted--enquiry.broken", other)]
    assert manage.parked("enquiry") == []


def test_side_effects_outside_the_database_are_undone_when_the_transaction_fails(engine):
    uow = UnitOfWork(engine, metadata, Broker().dispatch, "enquiry", None)
    undone = []
    with uow.transaction() as tx:
        tx.on_rollback(lambda: undone.append("kept"))
    assert undone == []
    with pytest.raises(sa.exc.IntegrityError), uow.transaction() as tx:
        tx.on_rollback(lambda: undone.append("first"))
        tx.on_rollback(lambda: undone.append("second"))
        # The database refuses the change: whatever was done beside it is undone.
        tx.session.execute(sa.text("INSERT INTO outbox (id) VALUES (NULL)"))
    assert undone == ["second", "first"]


def test_an_event_that_comes_too_soon_waits_then_applies_without_counting_as_a_failure(engine):
    delivered = []
    uow = UnitOfWork(
        engine,
        metadata,
        Broker().dispatch,
        "cases",
        None,
        max_attempts=2,
        backoff_seconds=0,
        handler="follow_workflow_change",
        queue="evt-enquiry-enquiry.workflow_changed--cases.follow_workflow_change",
        redeliver=lambda queue, message: delivered.append((queue, message)),
        wait_policy=WaitPolicy(
            first_delay_seconds=0, max_delay_seconds=0, give_up_after_seconds=60
        ),
    )
    message = event(7).to_message()
    case_open = []

    def follow(tx, envelope):
        if not case_open:
            raise NotYet("the case")
        return "followed"

    # Far more tries than max_attempts: waiting is not failing, and nothing is parked.
    for _ in range(5):
        assert uow.handle_event(message, follow) is None
        assert uow.redeliver_waiting() == 1
    assert [queue for queue, _ in delivered] == [uow.queue] * 5
    assert delivered[-1][1] == message
    assert uow.waiting_summary()["events"] == 1
    case_open.append(True)
    assert uow.handle_event(message, follow) == "followed"
    assert uow.waiting_summary() == {"events": 0, "oldest_since": None}
    assert uow.redeliver_waiting() == 0
    with Session(engine) as session:
        assert session.execute(sa.select(metadata.tables["rejected_events"])).all() == []


def test_an_event_that_waits_too_long_is_parked_with_what_it_waited_for(engine):
    uow = UnitOfWork(
        engine,
        metadata,
        Broker().dispatch,
        "cases",
        None,
        handler="follow_workflow_change",
        queue="q",
        redeliver=lambda queue, message: None,
        wait_policy=WaitPolicy(first_delay_seconds=0, max_delay_seconds=0, give_up_after_seconds=0),
    )

    def never(tx, envelope):
        raise NotYet("the case")

    assert uow.handle_event(event(8).to_message(), never) is None
    with Session(engine) as session:
        (parked,) = session.execute(sa.select(metadata.tables["rejected_events"])).all()
    assert "waiting for the case" in parked.errors["_waiting"][0]
    assert uow.waiting_summary()["events"] == 0
