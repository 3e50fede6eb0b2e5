import pytest
from marshmallow import Schema, fields
from nameko.exceptions import deserialize, serialize

from shared.envelope import Envelope, load_event_data, parse_envelope
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.validation import load


@pytest.mark.parametrize(
    "error",
    [
        ValidationFailed({"answers.postcode": ["must be a UK postcode"]}),
        NotFound("case", "HO-1"),
        Conflict("task is completed"),
    ],
)
def test_errors_cross_the_rpc_boundary_as_themselves(error):
    received = deserialize(serialize(error))
    assert type(received) is type(error)
    assert str(received) == str(error)


def test_validation_failed_keeps_field_errors():
    received = deserialize(serialize(ValidationFailed({"a": ["bad"]})))
    assert received.field_errors == {"a": ["bad"]}


def test_load_flattens_nested_messages():
    class Inner(Schema):
        n = fields.Integer(required=True)

    class Outer(Schema):
        inner = fields.Nested(Inner, required=True)

    with pytest.raises(ValidationFailed) as error:
        load(Outer(), {"inner": {"n": "x"}})
    assert error.value.field_errors == {"inner.n": ["Not a valid integer."]}
    with pytest.raises(ValidationFailed) as error:
        load(Outer(), ["not", "an", "object"])
    assert error.value.field_errors == {"_schema": ["payload must be an object"]}


def test_envelope_round_trip_and_rejection():
    envelope = Envelope(
        type="case.opened", version=1, source="cases", data={"x": 1}, correlation_id="c-1"
    )
    assert parse_envelope(envelope.to_message()) == envelope
    with pytest.raises(ValidationFailed) as error:
        parse_envelope({"type": "case.opened", "version": "one"})
    assert {"id", "version", "source", "time", "correlation_id", "data"} <= set(
        error.value.field_errors
    )


def test_unknown_event_version_is_rejected():
    class Data(Schema):
        x = fields.Integer(required=True)

    envelope = Envelope(type="t", version=2, source="s", data={"x": 1}, correlation_id="c")
    with pytest.raises(ValidationFailed) as error:
        load_event_data(envelope, Data())
    assert "version" in error.value.field_errors
    bad = Envelope(type="t", version=1, source="s", data={"x": "y"}, correlation_id="c")
    with pytest.raises(ValidationFailed) as error:
        load_event_data(bad, Data())
    assert error.value.field_errors == {"data.x": ["Not a valid integer."]}


def test_a_lost_broker_connection_does_not_kill_the_worker_that_acks(monkeypatch):
    """nameko 2.14 lets ConnectionResetError escape an ack and kill the container; the broker
    redelivers the message anyway, so shared.broker_outages makes it a logged no-op."""
    from nameko.messaging import QueueConsumer
    from nameko.rpc import RpcConsumer

    import shared.broker_outages

    shared.broker_outages.apply()  # as every service's unit of work provider does on setup

    class DeadChannelMessage:
        class channel:  # noqa: N801 - mimics kombu's attribute
            connection = object()

        def ack(self):
            raise ConnectionResetError(104, "Connection reset by peer")

        def requeue(self):
            raise BrokenPipeError(32, "Broken pipe")

    consumer = QueueConsumer.__new__(QueueConsumer)
    consumer.ack_message(DeadChannelMessage())
    consumer.requeue_message(DeadChannelMessage())

    requeued = []

    class Consumer:
        def requeue_message(self, message):
            requeued.append(message)

    rpc_consumer = RpcConsumer.__new__(RpcConsumer)
    rpc_consumer.queue_consumer = Consumer()
    rpc_consumer.container = type("C", (), {"config": {"AMQP_URI": "memory://"}})()
    message = DeadChannelMessage()

    def reply_fails(*_args):
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(shared.broker_outages, "_send_reply_and_ack", reply_fails)
    assert rpc_consumer.handle_result(message, "result", None) == ("result", None)
    assert requeued == [message]


def test_an_older_event_version_is_brought_up_through_the_registered_upcasters():
    from marshmallow import EXCLUDE, Schema, fields

    from shared.envelope import Envelope, load_event_data
    from shared.errors import ValidationFailed

    class Submitted(Schema):
        class Meta:
            unknown = EXCLUDE

        nation = fields.String(required=True)
        roles = fields.Dict(required=True)

    def submitted(version):
        return Envelope(
            type="enquiry.submitted",
            version=version,
            source="enquiry",
            correlation_id="c",
            data={"enquiry_id": "e", "answers": {"full_name": "Jo"}},
        )

    # Version 1, published before version 2 existed, still loads as version 2.
    assert load_event_data(submitted(1), Submitted()) == {
        "nation": "england",
        "roles": {"applicant_name": "Jo"},
    }
    # A version nobody knows is refused (parked), naming the version.
    with pytest.raises(ValidationFailed) as refused:
        load_event_data(submitted(3), Submitted())
    assert list(refused.value.field_errors) == ["version"]


def test_a_nul_character_anywhere_is_refused_naming_where():
    # PostgreSQL cannot store NUL in text: refused with the bad input, never deep in a query.
    from marshmallow import fields

    from shared.errors import ValidationFailed
    from shared.validation import RequestSchema, load

    class Note(RequestSchema):
        text = fields.String()
        tags = fields.List(fields.String())

    with pytest.raises(ValidationFailed) as refused:
        load(Note(), {"text": "fine", "tags": ["ok", "bad\x00tag"]})
    assert refused.value.field_errors == {"tags.1": ["must not contain NUL characters"]}
    with pytest.raises(ValidationFailed) as refused:
        load(Note(), {"text": "a\x00b"})
    assert list(refused.value.field_errors) == ["text"]
    assert load(Note(), {"text": "fine"}) == {"text": "fine"}


def test_a_version_1_case_reopened_loses_the_officer_s_reason_on_the_way_in():
    from shared.contracts import CASE_REOPENED, CASE_REOPENED_VERSION, upcast

    version, data = upcast(
        CASE_REOPENED, 1, {"case_id": "c", "reason": "Told us about her diagnosis", "clocks": []}
    )
    assert (version, data) == (CASE_REOPENED_VERSION, {"case_id": "c", "clocks": []})
