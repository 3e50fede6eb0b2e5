"""Personal data out of log lines and error replies (shared/redaction.py, issue 17): what the
filter removes, what it leaves for the operator, and that every process installs it."""

from __future__ import annotations

import asyncio
import json
import logging
import logging.config
import sys
import time

import pytest

from shared.config import SERVICES, service_config
from shared.db import create_engine_for
from shared.errors import InternalError
from shared.redaction import (
    RedactingFilter,
    describe_error,
    logging_config,
    redact,
    redact_error_text,
)

NAME, EMAIL = "Rhiannon Pryce", "rhiannon.pryce@example.net"


def test_contact_details_are_recognised_by_their_shape():
    text = redact(f"sent to {EMAIL}; lives at SW1A 1AA (or cf101aa), phone 07700 900123")
    assert text == "sent to [email]; lives at [postcode] (or [postcode]), phone [phone]"
    assert redact("+44 (0)29 2087 2087 and 0300 000 0000") == "[phone] and [phone]"
    token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJjdXN0b21lcjoxIn0.c2lnbmF0dXJl"
    assert (
        redact(f"b'...nameko.identityS\\x00{token}\\x00'")
        == "b'...nameko.identityS\\x00[token]\\x00'"
    )


def test_what_the_operator_needs_is_left_alone():
    line = (
        "event 3f9a1c2b4d5e6f70 of case HO-2026-000123 failed 3 times at 2026-05-01 12:00:03,123"
        " in cases.add_note after 0.25 s (attempt 2/5, uq_case_notes_request_id)"
    )
    assert redact(line) == line


def test_the_values_of_fields_that_hold_personal_data_go_wherever_they_are_rendered():
    as_repr = {"case": "HO-1", "text": "It's about 'her' [partner]", "answers": {"a": [1, "}"]}}
    assert redact(f"reply {as_repr}") == (
        "reply {'case': 'HO-1', 'text': [redacted], 'answers': [redacted]}"
    )
    as_json = json.dumps({"full_name": NAME, "household_adults": 2, "email": EMAIL})
    assert (
        redact(as_json) == '{"full_name": [redacted], "household_adults": 2, "email": [redacted]}'
    )
    assert redact("{'workflow': 'prevention', 'workflow_reason': 'She told us'}") == (
        "{'workflow': 'prevention', 'workflow_reason': [redacted]}"
    )
    command = f"AddNote(case='HO-1', text='{NAME} told us', actor='officer:1', request_id=None)"
    assert redact(command) == (
        "AddNote(case='HO-1', text=[redacted], actor='officer:1', request_id=None)"
    )
    # Field errors keep their paths; the messages of a sensitive field go too.
    assert redact("validation failed: {'answers.postcode': ['must be a UK postcode']}") == (
        "validation failed: {'answers.postcode': ['must be a UK postcode']}"
    )


def test_the_values_a_database_error_quotes_go():
    postgres = (
        '(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint "uq"\n'
        f"DETAIL:  Key (case_id, request_id)=(c1, {NAME}) already exists.\n"
        "[SQL: INSERT INTO case_notes (case_id, text) VALUES (%(case_id)s, %(text)s)]\n"
        f"[parameters: {{'case_id': 'c1', 'text': '{NAME} [said] (this)'}}]"
    )
    text = redact(postgres)
    assert NAME not in text and "[parameters: [redacted]]" in text
    assert "Key (case_id, request_id)=[redacted] already exists" in text
    assert "INSERT INTO case_notes (case_id, text)" in text
    assert NAME not in redact(f"Failing row contains (7, {NAME}, null).")


def test_an_error_message_loses_its_quoted_values_but_keeps_identifiers():
    text = redact_error_text(
        f"invalid literal for int() with base 10: '{NAME}'; KeyError: 'email'; "
        'violates "uq_case_notes_request_id" on case_notes.text'
    )
    assert text == (
        "invalid literal for int() with base 10: '…'; KeyError: '…'; "
        'violates "uq_case_notes_request_id" on case_notes.text'
    )


def test_an_error_is_described_by_types_and_places_not_by_what_it_quoted():
    def read(value: str) -> int:
        return int(value)

    try:
        try:
            read(NAME)
        except ValueError as error:
            raise RuntimeError(f"could not read {EMAIL}") from error
    except RuntimeError as error:
        described = describe_error(error)
    assert NAME not in described and EMAIL not in described
    assert described.startswith("RuntimeError: could not read [email] <- ValueError: invalid")
    assert "test_redaction.py" in described


def test_a_hostile_line_is_redacted_in_linear_time():
    started = time.monotonic()
    for hostile in ("'text': '" + "\\'" * 50_000, "a" * 100_000 + "@", "0 " * 50_000, "{" * 50_000):
        redact_error_text(redact(hostile))
    assert time.monotonic() - started < 1.0


def test_the_filter_redacts_the_record_every_handler_then_writes():
    try:
        int(NAME)
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "cases", logging.ERROR, __file__, 1, "note %s by %s", ({"text": NAME}, EMAIL), exc_info
    )
    assert RedactingFilter().filter(record) is True
    written = logging.Formatter().format(record)
    assert NAME not in written and EMAIL not in written
    assert "note {'text': [redacted]} by [email]" in written and "ValueError" in written
    assert f'File "{__file__}"' in written  # where it happened stays


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_logs_through_the_filter(service):
    config = service_config(service)["LOGGING"]
    assert config["filters"]["personal_data"]["()"] == "shared.redaction.RedactingFilter"
    for handler in config["handlers"].values():
        assert "personal_data" in handler["filters"]


def test_the_gateway_logs_through_the_filter():
    config = logging_config("warning")
    assert config["handlers"]["console"]["filters"] == ["personal_data"]
    assert config["root"] == {"level": "WARNING", "handlers": ["console"]}
    assert all(not c.get("handlers") for n, c in config["loggers"].items() if "uvicorn" in n)


def test_the_engines_never_quote_the_values_of_a_statement(tmp_path):
    engine = create_engine_for(f"sqlite:///{tmp_path / 'x.db'}")
    assert engine.hide_parameters
    engine.dispose()


def test_a_services_internal_error_reaches_the_client_as_a_500_with_its_reference(caplog):
    from services.gateway.errors import HANDLERS
    from services.gateway.rpc_client import remote_error

    error = remote_error(
        {"exc_type": "InternalError", "exc_args": ["0123456789ab"], "value": "internal error"}
    )
    assert isinstance(error, InternalError) and error.reference == "0123456789ab"

    class Request:
        class url:  # noqa: N801 - Starlette's attribute
            path = "/api/v1/cases/HO-2026-000001/notes"

    response = asyncio.run(HANDLERS[InternalError](Request(), error))
    body = json.loads(response.body)
    assert response.status_code == 500 and body["code"] == "internal_error"
    assert body["reference"] == "0123456789ab" and "0123456789ab" in caplog.text
    odd = asyncio.run(HANDLERS[InternalError](Request(), InternalError("<script>")))
    assert json.loads(odd.body)["reference"] == "script"
