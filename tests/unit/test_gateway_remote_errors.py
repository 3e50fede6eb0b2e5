"""The gateway's RPC client, without a broker: how nameko's error replies come back."""

from __future__ import annotations

from services.gateway.rpc_client import RemoteError, _named, remote_error
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed


def test_the_services_typed_errors_come_back_as_themselves():
    invalid = remote_error(
        {"exc_type": "ValidationFailed", "exc_args": [{"answers.postcode": ["bad"]}, "failed"]}
    )
    assert isinstance(invalid, ValidationFailed)
    assert invalid.field_errors == {"answers.postcode": ["bad"]}
    missing = remote_error({"exc_type": "NotFound", "exc_args": ["case", "HO-1"]})
    assert isinstance(missing, NotFound) and (missing.entity, missing.key) == ("case", "HO-1")
    assert isinstance(remote_error({"exc_type": "Conflict", "exc_args": ["closed"]}), Conflict)
    refused = remote_error({"exc_type": "Forbidden", "exc_args": ["get_case", "another team"]})
    assert isinstance(refused, Forbidden) and refused.reason == "another team"


def test_anything_else_is_a_remote_error_with_its_type_only():
    crash = remote_error(
        {"exc_type": "KeyError", "exc_path": "builtins.KeyError", "value": "'x'", "exc_args": []}
    )
    assert isinstance(crash, RemoteError) and crash.exc_type == "KeyError"
    # A typed error with arguments of another shape is reported, not crashed on.
    odd = remote_error({"exc_type": "NotFound", "exc_args": [], "value": "gone"})
    assert isinstance(odd, RemoteError) and odd.exc_type == "NotFound"
    assert isinstance(remote_error({}), RemoteError)


def test_the_connection_is_named_after_the_reply_queue():
    assert _named("amqp://u:p@h:5672/v?heartbeat=30&name=x", "rpc.reply-gw-1") == (
        "amqp://u:p@h:5672/v?heartbeat=30&name=rpc.reply-gw-1"
    )
