"""One statement that cannot be judged never spoils a match (services/advice/domain.py): a stored
statement that today's checks refuse is left out and reported, a condition that raises is caught
and reported, explaining and previewing say why, and the log names the statement, never the
answers."""

import logging
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import yaml

from services.advice import commands, domain, operations, seed
from services.advice.domain import CompiledBank, StatementVersion, WorkflowDefinition
from services.advice.models import Statement, metadata
from services.advice.repository import bump_bank_version
from shared.clock import utcnow
from shared.errors import ValidationFailed
from tests.unit.fakes import FakeDispatch, envelope, memory_uow

TODAY = date(2026, 11, 24)
WORKFLOWS = [WorkflowDefinition("w1", "W1", ("s1",)), WorkflowDefinition("w2", "W2", ("s1",))]
SECRET = "Jo Bloggs, 1 Secret Street"


def deep(depth):
    condition = {"eq": ["tenure", "private_rented"]}
    for _ in range(depth - 1):
        condition = {"all": [condition]}
    return condition


def statement(key, condition=True, body="Text.", **extra):
    defaults = dict(
        version=3, title=key, section="s1", priority=1, workflows=("w1",), nations=("england",)
    )
    return StatementVersion(key=key, condition=condition, body=body, **{**defaults, **extra})


GOOD = statement("good", {"eq": ["tenure", "private_rented"]})
ALWAYS = statement("always")
# What issue 17 reproduced, as if stored before the checks existed.
STORED_BAD = [
    statement("deep-600", deep(600)),
    statement("deep-400", deep(400)),
    statement("far-future", {"within_days": ["expiry", 3_000_000]}),
    statement(
        "loop",
        body="{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    ),
    statement("huge", body="{{ 'A' * 300000000 }}"),
]
ANSWERS = {"tenure": "private_rented", "expiry": "2026-12-01", "full_name": SECRET}


def test_stored_statements_refused_by_todays_checks_are_reported_not_matched():
    bank = CompiledBank([GOOD, ALWAYS, *STORED_BAD], WORKFLOWS)
    selection = bank.select("w1", ANSWERS, TODAY, "england")
    assert selection.statements == [ALWAYS, GOOD]
    reasons = {f.key: (f.version, f.reason) for f in selection.failed}
    assert list(reasons) == sorted(s.key for s in STORED_BAD)
    assert reasons["deep-600"] == (
        3,
        "condition refused at $" + ".all[0]" * 32 + ": nested more than 32 deep",
    )
    assert reasons["far-future"][1] == (
        "condition refused at $.within_days: expects a whole number of days from 0 to 36600"
    )
    assert reasons["loop"][1] == "body refused: line 1: {% for %} is not allowed"
    assert reasons["huge"][1] == "body refused: line 1: arithmetic ('*') is not allowed"
    assert bank.match("w1", ANSWERS, TODAY, "england") == selection.statements


def test_only_the_refused_statements_a_match_could_have_chosen_are_reported():
    elsewhere = [
        statement("in-wales", deep(40), nations=("wales",)),
        statement("other-workflow", deep(40), workflows=("w2",)),
        statement("closed", deep(40), effective_to=TODAY - timedelta(days=1)),
    ]
    bank = CompiledBank([GOOD, *elsewhere], WORKFLOWS)
    assert bank.select("w1", ANSWERS, TODAY, "england").failed == []
    assert [f.key for f in bank.select("w2", ANSWERS, TODAY, "england").failed] == [
        "other-workflow"
    ]
    assert [f.key for f in bank.select("w1", ANSWERS, TODAY, "wales").failed] == ["in-wales"]


def raising_on(marker, error):
    """compile_condition, except that ``marker`` compiles to a predicate raising ``error``."""
    real = domain.compile_condition

    def compile_condition(condition):
        if condition == marker:

            def boom(answers, today):
                raise error

            return boom
        return real(condition)

    return compile_condition


@pytest.mark.parametrize("error", [RecursionError(), OverflowError(SECRET), TypeError(SECRET)])
def test_a_condition_that_raises_is_reported_and_the_rest_goes_out(monkeypatch, error):
    marker = {"answered": "boom"}
    monkeypatch.setattr(domain, "compile_condition", raising_on(marker, error))
    bad = statement("bad", marker)
    bank = CompiledBank([GOOD, ALWAYS, bad], WORKFLOWS)
    selection = bank.select("w1", ANSWERS, TODAY, "england")
    assert selection.statements == [ALWAYS, GOOD]
    assert [f.as_dict() for f in selection.failed] == [
        {"key": "bad", "version": 3, "reason": f"condition raised {type(error).__name__}"}
    ]
    assert SECRET not in str(selection.failed)


def test_explaining_a_statement_that_cannot_be_judged_says_why(monkeypatch):
    bank = CompiledBank([GOOD, *STORED_BAD], WORKFLOWS)
    refused = bank.why("deep-400", "w1", ANSWERS, TODAY, "england")
    assert refused["chosen"] is False and refused["failed"].startswith("condition refused at $")
    assert refused["condition"] == {"path": "$", "operator": "failed", "held": False}
    assert bank.why("good", "w1", ANSWERS, TODAY, "england")["failed"] is None

    def explain(*_):
        raise RecursionError

    monkeypatch.setattr(domain, "explain", explain)
    raised = bank.why("good", "w1", ANSWERS, TODAY, "england")
    assert (raised["chosen"], raised["failed"]) == (False, "condition raised RecursionError")


def test_reasons_that_cannot_be_worked_out_fail_that_statement_only(monkeypatch):
    bank = CompiledBank([GOOD, ALWAYS], WORKFLOWS)
    selection = bank.select("w1", ANSWERS, TODAY, "england")
    real = domain.reasons_for

    def reasons_for(chosen, facts, on):
        if chosen.key == "good":
            raise RecursionError
        return real(chosen, facts, on)

    monkeypatch.setattr(domain, "reasons_for", reasons_for)
    explained, failed = domain.with_reasons(selection, ANSWERS, TODAY)
    assert [(s.key, reasons) for s, reasons in explained] == [("always", [])]
    assert [f.as_dict() for f in failed] == [
        {"key": "good", "version": 3, "reason": "reasons raised RecursionError"}
    ]


# --- through the use cases, with statements written to the database behind the checks' back --


@pytest.fixture
def dispatch():
    return FakeDispatch()


@pytest.fixture
def uow(dispatch, monkeypatch):
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


def store_directly(uow, key, condition=True, body="Text."):
    """A statement as an older version of the service could have stored it: no checks."""
    with uow.transaction() as tx:
        tx.session.add(
            Statement(
                key=key,
                version=1,
                title=key,
                body=body,
                section="act_now",
                priority=1,
                workflows=["prevention"],
                condition=condition,
                nations=["england"],
                source="test",
                reviewed_on=TODAY,
                created_at=utcnow(),
                created_by="test",
            )
        )
        bump_bank_version(tx.session)


def test_match_reports_the_stored_bad_statement_and_logs_no_answers(uow, caplog):
    store_directly(uow, "deep-400", deep(400))
    caplog.set_level(logging.WARNING)
    with uow.read() as session:
        command = commands.MatchStatements("prevention", ANSWERS, report_failed=True)
        result = operations.match_statements(session, command)
        plain = operations.match_statements(
            session, commands.MatchStatements("prevention", ANSWERS)
        )
    assert [f["key"] for f in result["failed"]] == ["deep-400"]
    assert result["statements"] == plain and plain
    assert "deep-400" not in {s["key"] for s in plain}
    logged = [r.getMessage() for r in caplog.records]
    assert any("deep-400@1" in line for line in logged)
    assert not any(SECRET in line or "private_rented" in line for line in logged)


def test_a_raising_condition_is_logged_with_key_and_version_only(uow, caplog, monkeypatch):
    marker = {"answered": "full_name"}
    monkeypatch.setattr(domain, "compile_condition", raising_on(marker, OverflowError(SECRET)))
    store_directly(uow, "raises", marker)
    caplog.set_level(logging.WARNING)
    with uow.read() as session:
        command = commands.MatchStatements("prevention", ANSWERS, report_failed=True)
        result = operations.match_statements(session, command)
    assert result["failed"] == [
        {"key": "raises", "version": 1, "reason": "condition raised OverflowError"}
    ]
    assert result["statements"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "raises@1" in logged and SECRET not in logged


def test_a_submitted_enquiry_still_gets_its_advice(uow, dispatch):
    store_directly(uow, "far-future", {"within_days": ["must_leave_date", 3_000_000]})
    store_directly(uow, "loop", body="{% for i in range(100000) %}x{% endfor %}")
    event = envelope(
        "enquiry.submitted",
        version=2,
        source="enquiry",
        data={
            "enquiry_id": "e-1",
            "template": {"key": "housing-options-enquiry", "version": 2},
            "workflow": "prevention",
            "workflow_source": "triage",
            "answers": {"must_leave_date": "2026-12-01", "full_name": SECRET},
            "submitted_at": "2026-11-24T10:00:00Z",
            "nation": "england",
            "roles": {"applicant_name": SECRET},
            "suggested_duty": "none",
            "notice_check": None,
            "derived": {},
        },
    )
    uow.handle_event(event.to_message(), operations.match_submitted_enquiry)
    assert dispatch.types() == ["advice.matched"]
    keys = {s["key"] for s in dispatch.published[0][1]["data"]["statements"]}
    assert keys and not keys & {"far-future", "loop"}


def test_explain_and_preview_report_a_saved_version_that_cannot_be_judged(uow):
    store_directly(uow, "deep-400", deep(400))
    question = dict(workflow="prevention", answers=ANSWERS)
    with uow.read() as session:
        why = operations.why(
            session, commands.ExplainStatement(**question, statement_key="deep-400")
        )
        assert why["chosen"] is False and "nested more than 32 deep" in why["failed"]
        draft = {
            "key": "deep-400",
            "title": "Fixed",
            "body": "Text.",
            "section": "act_now",
            "workflows": ["prevention"],
            "when": True,
            "nations": ["england"],
            "source": "Housing Act 1996",
            "reviewed_on": TODAY,
        }
        template = yaml.safe_load(seed.STARTER_TEMPLATE.read_text())
        preview = operations.preview(
            session, commands.PreviewStatement(**question, statement=draft), template
        )
    assert preview["draft"]["chosen"] is True and preview["draft"]["failed"] is None
    assert preview["saved"]["chosen"] is False and preview["saved"]["failed"]
    with uow.read() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(Statement).where(Statement.key == "deep-400")
            )
            == 1
        )


def test_a_condition_too_deep_to_decode_is_refused_alone_not_the_whole_bank(uow):
    # Nested 3,000 levels (6,000 in JSON): beyond the decoder, so written as text.
    text = '{"all": [' * 2999 + '{"eq": ["tenure", "private_rented"]}' + "]}" * 2999
    with uow.transaction() as tx:
        tx.session.execute(
            sa.text(
                "INSERT INTO statements (key, version, title, body, section, priority, workflows,"
                " condition, nations, source, reviewed_on, created_at, created_by) VALUES"
                " ('deep-3000', 1, 't', 'Text.', 'act_now', 1, '[\"prevention\"]', :condition,"
                " '[\"england\"]', 'test', '2026-11-24', '2026-11-24 10:00:00', 'test')"
            ),
            {"condition": text},
        )
        bump_bank_version(tx.session)
    with uow.read() as session:
        command = commands.MatchStatements("prevention", ANSWERS, report_failed=True)
        result = operations.match_statements(session, command)
    assert result["statements"]
    (failed,) = result["failed"]
    assert (failed["key"], failed["version"]) == ("deep-3000", 1)
    # Python 3.11's decoder gives up on it; 3.13's reads it, and the depth bound refuses it.
    assert failed["reason"] in (
        "condition refused: it cannot be read (nested too deeply)",
        "condition refused at " + "$" + ".all[0]" * 32 + ": nested more than 32 deep",
    )


def test_a_bank_file_with_a_hostile_body_or_condition_stores_nothing(uow):
    bank = yaml.safe_load((seed.SEED_DIR / "statement_bank.yaml").read_text())
    first = bank["statements"][0]
    bank["statements"] = [
        {**first, "body": "{% for i in range(100000) %}x{% endfor %}"},
        {**first, "key": "far-future", "when": {"within_days": ["must_leave_date", 3_000_000]}},
    ]
    questions = seed.questions_of(yaml.safe_load(seed.STARTER_TEMPLATE.read_text()))
    with pytest.raises(ValidationFailed) as refused, uow.transaction() as tx:
        seed.load_bank(tx.session, bank, questions, today=date(2026, 11, 25))
    assert refused.value.field_errors == {
        f"statement[{first['key']}].body": ["line 1: {% for %} is not allowed"],
        "statement[far-future].when": [
            "invalid condition at $.within_days: expects a whole number of days from 0 to 36600"
        ],
    }
