"""Personal data in errors and logs (issue 17), against the real cases service over RPC.

The reproduction: two ``add_note`` requests with the same ``request_id`` race, both find no
earlier note, and the second insert breaks the unique constraint. SQLAlchemy's error quoted the
statement's values, so the caller's reply and the service's log carried the note's text (here a
disclosure of abuse and a diagnosis). Now the engine hides the values, and the caller gets an
``InternalError`` with a reference and nothing else; the log has the reference, the error's type
and where it was raised.
"""

from __future__ import annotations

import logging
import re
import traceback

import pytest
import sqlalchemy as sa
from nameko.testing.services import entrypoint_waiter

from services.cases import case_work, repository
from services.cases.service import CasesService
from shared.db import create_engine_for, normalise_url
from shared.errors import InternalError
from tests.identity import SignedRpc
from tests.integration.helpers import enquiry_submitted, publish, rows
from tests.leak_check import DISCLOSURE

pytestmark = pytest.mark.integration
OFFICER = "officer:42"


@pytest.fixture
def cases(container_factory, service_config):
    config = service_config("cases")
    container = container_factory(CasesService, config)
    container.start()
    with SignedRpc(config) as rpc:
        yield container, config, rpc


def open_case(container, config, rpc) -> str:
    event = enquiry_submitted("prevention", {"full_name": "Amara Okafor"})
    with entrypoint_waiter(container, "open_case_for_enquiry"):
        publish(config, event)
    return rpc.cases.get_case_for_enquiry(event.data["enquiry_id"])["reference"]


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Each record as a handler would write it, before any filter: message and traceback."""
    lines = []
    for record in records:
        lines.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            lines.append("".join(traceback.format_exception(*record.exc_info)))
    return "\n".join(lines)


def the_unexpected_error_line(records: list[logging.LogRecord], reference: str) -> str:
    (line,) = [
        r.getMessage()
        for r in records
        if r.levelno == logging.ERROR and f"unexpected error {reference}" in r.getMessage()
    ]
    return line


def test_a_raced_duplicate_note_answers_a_reference_and_logs_no_note_text(
    cases, monkeypatch, caplog
):
    container, config, rpc = cases
    reference = open_case(container, config, rpc)
    note = {"case": reference, "text": DISCLOSURE, "request_id": "note-first", "actor": OFFICER}
    rpc.cases.add_note(note)
    # The race made certain: the second request does not see the first one's note.
    monkeypatch.setattr(repository, "note_by_request", lambda *_args: None)
    caplog.set_level(logging.DEBUG)
    caplog.clear()  # the first call's reply, which the caller's proxy logs at DEBUG, is not ours

    with pytest.raises(InternalError) as raised:
        rpc.cases.add_note(note)

    error = raised.value
    assert re.fullmatch(r"[0-9a-f]{12}", error.reference)
    assert error.args == (error.reference,) and DISCLOSURE not in str(error)
    logged = everything_logged(caplog.records)
    assert "Disclosed" not in logged and "PTSD" not in logged
    line = the_unexpected_error_line(caplog.records, error.reference)
    assert "cases.add_note" in line and "IntegrityError" in line
    assert "SQL parameters hidden" in line  # the statement, for the developer; not its values
    # Nothing was stored twice, and the service carries on.
    monkeypatch.undo()
    stored = rows(config["DATABASE_URL"], "SELECT count(*) FROM case_notes")
    assert stored == [(1,)]
    assert rpc.cases.add_note({**note, "request_id": "note-second"})["text"] == DISCLOSURE


def test_a_bug_that_quotes_the_note_in_its_message_is_answered_and_logged_without_it(
    cases, monkeypatch, caplog
):
    container, config, rpc = cases
    reference = open_case(container, config, rpc)

    def buggy_add_note(_tx, command):
        return int(command.text)  # a bug of the kind whose message quotes the value it read

    monkeypatch.setattr(case_work, "add_note", buggy_add_note)
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    with pytest.raises(InternalError) as raised:
        rpc.cases.add_note({"case": reference, "text": DISCLOSURE, "actor": OFFICER})

    assert "Disclosed" not in str(raised.value)
    logged = everything_logged(caplog.records)
    assert "Disclosed" not in logged and "PTSD" not in logged
    line = the_unexpected_error_line(caplog.records, raised.value.reference)
    assert "ValueError: invalid literal for int() with base 10: '…'" in line
    assert "buggy_add_note" in line  # where it was raised


def test_the_engines_hide_the_values_a_database_error_would_quote(tmp_path):
    """The cause, at the database: the same clash through a plain engine and through the
    suite's."""
    url = f"sqlite:///{tmp_path / 'clash.db'}"

    def clash(engine: sa.Engine) -> str:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE IF NOT EXISTS t (k TEXT UNIQUE, note TEXT)"))
        for _ in range(2):
            try:
                with engine.begin() as connection:
                    connection.execute(
                        sa.text("INSERT INTO t VALUES ('k', :note)"), {"note": DISCLOSURE}
                    )
            except sa.exc.IntegrityError as error:
                return str(error)
            finally:
                engine.dispose()
        raise AssertionError("no clash")

    assert DISCLOSURE in clash(sa.create_engine(normalise_url(url)))
    message = clash(create_engine_for(url))
    assert DISCLOSURE not in message and "SQL parameters hidden" in message
