"""The advice service's use cases without a broker: an in-memory SQLite unit of work, a fake
dispatch that records what would be published, and the commands the RPC schemas build."""

import uuid
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from services.advice import commands, operations, seed
from services.advice.models import metadata
from services.advice.schemas import MatchRequestSchema
from services.enquiry import domain as enquiry_domain
from shared.contracts import ENQUIRY_SUBMITTED, ENQUIRY_SUBMITTED_VERSION
from shared.errors import NotFound, ValidationFailed
from tests.unit.fakes import FakeDispatch, envelope, memory_uow

TODAY = date(2026, 11, 25)
TEMPLATE = yaml.safe_load(seed.STARTER_TEMPLATE.read_text())
ENQUIRY_FORM = (
    Path(__file__).resolve().parents[2] / "services/enquiry/seed/starter_template_v2.yaml"
)


@pytest.fixture
def dispatch():
    return FakeDispatch()


@pytest.fixture
def uow(dispatch, monkeypatch):
    # A fresh database starts at bank version 1 again: the process-wide cache must not answer.
    monkeypatch.setattr(operations, "BANKS", operations.BankCache())
    uow = memory_uow(
        metadata,
        "advice",
        seed=seed.load_seed,
        handler="match_submitted_enquiry",
        dispatch=dispatch,
    )
    yield uow
    uow.engine.dispose()


def submitted(workflow="prevention", nation="england", answers=None):
    return envelope(
        ENQUIRY_SUBMITTED,
        version=ENQUIRY_SUBMITTED_VERSION,
        source="enquiry",
        data={
            "enquiry_id": str(uuid.uuid4()),
            "template": {"key": "housing-options-enquiry", "version": 2},
            "workflow": workflow,
            "workflow_source": "triage",
            "answers": answers or {"full_name": "Jo Bloggs"},
            "submitted_at": "2026-11-24T10:00:00Z",
            "nation": nation,
            "roles": {"applicant_name": "Jo Bloggs"},
            "suggested_duty": "none",
            "notice_check": None,
            "derived": {},
        },
    )


def statement(**changes):
    return {
        "key": "council-tax-help",
        "title": "Council tax support",
        "body": "Ask us about council tax support.",
        "section": "money",
        "workflows": ["prevention"],
        "when": True,
        "nations": ["england"],
        "source": "https://www.legislation.gov.uk/ukpga/2012/17/section/10",
        "reviewed_on": TODAY,
        **changes,
    }


def test_the_advice_copy_of_the_form_asks_what_the_enquiry_form_asks():
    # The advice service never reads the enquiry service's files; this keeps its copy honest.
    form = yaml.safe_load(ENQUIRY_FORM.read_text())
    expected = {
        q["key"]: (q["type"], [o["value"] for o in q.get("options", [])])
        for q in enquiry_domain.questions(form)
    }
    copy = {
        key: (q["type"], [o["value"] for o in q.get("options", [])])
        for key, q in seed.questions_of(TEMPLATE).items()
    }
    assert (TEMPLATE["key"], TEMPLATE["version"]) == (form["key"], form["version"])
    assert copy == expected


def test_match_statements_in_pack_order_with_reasons(uow):
    command = MatchRequestSchema().load({"workflow": "prevention", "answers": {}})
    assert isinstance(command, commands.MatchStatements)
    with uow.read() as session:
        matched = operations.match_statements(session, command)
    assert matched and matched[0]["key"] == "contact-us-early"
    assert all("reasons" in s for s in matched)


def test_match_refuses_an_unknown_workflow(uow):
    with pytest.raises(ValidationFailed) as refused, uow.read() as session:
        operations.match_statements(session, commands.MatchStatements("no_such", {}))
    assert "workflow" in refused.value.field_errors


def test_why_explains_a_statement(uow):
    command = commands.ExplainStatement("prevention", {}, statement_key="contact-us-early")
    with uow.read() as session:
        assert operations.why(session, command)["chosen"] is True


def test_why_refuses_an_unknown_statement(uow):
    command = commands.ExplainStatement("prevention", {}, statement_key="no-such-statement")
    with pytest.raises(NotFound), uow.read() as session:
        operations.why(session, command)


def test_a_submitted_enquiry_is_matched_once_and_announced(uow, dispatch):
    event = submitted()
    uow.handle_event(event.to_message(), operations.match_submitted_enquiry)
    uow.handle_event(event.to_message(), operations.match_submitted_enquiry)
    assert dispatch.types(audit=True) == ["advice.matched", "audit.recorded"]
    matched = dispatch.published[0][1]["data"]
    assert matched["nation"] == "england" and matched["statements"]


def test_an_enquiry_for_an_unknown_workflow_is_parked(uow, dispatch):
    uow.handle_event(submitted(workflow="no_such").to_message(), operations.match_submitted_enquiry)
    assert dispatch.published == []
    with uow.read() as session:
        parked = session.execute(sa.text("SELECT errors FROM rejected_events")).scalars().all()
    assert len(parked) == 1


def test_save_statement_adds_a_version_and_lists_it(uow, dispatch):
    command = commands.SaveStatement(statement(), "officer:1")
    with uow.transaction() as tx:
        saved, created = operations.save_statement(tx, command, TEMPLATE)
    assert (saved.version, created) == (1, True)
    with uow.transaction() as tx:
        _, created = operations.save_statement(tx, command, TEMPLATE)
    assert created is False
    assert dispatch.types(audit=True) == ["audit.recorded"]
    with uow.read() as session:
        listed = operations.list_statements(session, "prevention")
        keys = [s.key for s in listed]
        assert "council-tax-help" in keys and keys == sorted(keys)
        assert "council-tax-help" not in [
            s.key for s in operations.list_statements(session, "relief")
        ]
        assert [v.version for v in operations.statement_history(session, "council-tax-help")] == [1]


def test_save_statement_refuses_a_condition_the_form_cannot_meet(uow, dispatch):
    command = commands.SaveStatement(statement(when={"eq": ["tenure", "yurt"]}), "officer:1")
    with pytest.raises(ValidationFailed) as refused, uow.transaction() as tx:
        operations.save_statement(tx, command, TEMPLATE)
    assert "statement[council-tax-help].when" in refused.value.field_errors
    assert dispatch.published == []


def test_statement_history_refuses_an_unknown_key(uow):
    with pytest.raises(NotFound), uow.read() as session:
        operations.statement_history(session, "no-such-statement")


def test_list_workflows(uow):
    with uow.read() as session:
        keys = [w.key for w in operations.list_workflows(session)]
    assert "prevention" in keys and keys == sorted(keys)
