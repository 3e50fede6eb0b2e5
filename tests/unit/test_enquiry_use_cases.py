"""The enquiry service's use cases without a broker: an in-memory SQLite unit of work, a fake
dispatch that records what would be published, and the commands the RPC schemas build."""

import pytest

from scripts.demo import sample_answers
from services.enquiry import commands, domain, operations
from services.enquiry.models import Enquiry, metadata
from services.enquiry.schemas import SubmitEnquirySchema
from services.enquiry.seed import load_seed
from shared.errors import Conflict, NotFound, ValidationFailed
from tests.unit.fakes import FakeDispatch, memory_uow, run

TEMPLATE = "housing-options-enquiry"


@pytest.fixture
def dispatch():
    return FakeDispatch()


@pytest.fixture
def uow(dispatch):
    uow = memory_uow(
        metadata,
        "enquiry",
        seed=lambda session: load_seed(session, council_nation="england"),
        dispatch=dispatch,
    )
    yield uow
    uow.engine.dispose()


def start(uow, **fields):
    return run(uow, operations.start_enquiry, commands.StartEnquiry(TEMPLATE, **fields))


def submitted(uow):
    command = commands.SubmitEnquiry(template_key=TEMPLATE, answers=sample_answers())
    return run(uow, operations.submit_enquiry, command)


def test_the_schema_builds_a_typed_frozen_command():
    command = SubmitEnquirySchema().load({"enquiry_id": "e-1", "answers": {"tenure": "x"}})
    assert command == commands.SubmitEnquiry(enquiry_id="e-1", answers={"tenure": "x"})
    with pytest.raises(AttributeError):
        command.actor = "officer"


def test_publish_template_adds_the_next_version_and_audits(uow, dispatch):
    with uow.read() as session:
        definition = dict(operations.template_of(session, TEMPLATE, None).definition)
    definition.pop("version")
    with uow.transaction() as tx:
        template = operations.publish_template(
            tx, commands.PublishTemplate(definition, "officer:1"), "england"
        )
    assert template.version == 4  # the seed publishes versions 1 to 3
    assert dispatch.audited() == ["template.published"]


def test_publish_template_refuses_another_nations_form(uow, dispatch):
    with uow.read() as session:
        definition = operations.template_of(session, TEMPLATE, None).definition
    with pytest.raises(ValidationFailed) as refused, uow.transaction() as tx:
        operations.publish_template(tx, commands.PublishTemplate(definition, "o"), "wales")
    assert any(key.startswith("definition.") for key in refused.value.field_errors)
    assert dispatch.published == []


def test_start_enquiry_makes_a_draft_once_per_request(uow, dispatch):
    first = operations.once_per_request(
        uow, commands.StartEnquiry(TEMPLATE, request_id="request-0001"), operations.start_enquiry
    )
    again = start(uow, request_id="request-0001")
    assert (first.status, again.id) == (domain.DRAFT, first.id)
    assert dispatch.types() == ["enquiry.started"]


def test_start_enquiry_refuses_an_unknown_template(uow):
    with pytest.raises(NotFound):
        run(uow, operations.start_enquiry, commands.StartEnquiry("no-such-form"))


def test_save_answers_merges_into_a_draft(uow, dispatch):
    draft = start(uow)
    saved = run(
        uow,
        operations.save_answers,
        commands.SaveAnswers(draft.id, {"full_name": " Ann ", "tenure": "private_rented"}),
    )
    assert saved.answers == {"full_name": "Ann", "tenure": "private_rented"}
    assert dispatch.audited()[-1] == "enquiry.answers_saved"


def test_save_answers_refuses_a_submitted_enquiry(uow):
    enquiry = submitted(uow)
    with pytest.raises(Conflict, match="was submitted and can no longer be changed"):
        run(uow, operations.save_answers, commands.SaveAnswers(enquiry.id, {"full_name": "B"}))


def test_submit_a_draft_triages_and_announces(uow, dispatch):
    draft = start(uow)
    command = commands.SubmitEnquiry(enquiry_id=draft.id, answers=sample_answers())
    enquiry = run(uow, operations.submit_enquiry, command)
    assert (enquiry.status, enquiry.workflow_source) == (domain.SUBMITTED, domain.TRIAGE)
    assert enquiry.suggested_duty == "prevention"
    assert dispatch.types() == ["enquiry.started", "enquiry.submitted"]
    # Sent again after a lost reply: the same enquiry, nothing announced twice.
    assert run(uow, operations.submit_enquiry, commands.SubmitEnquiry(enquiry_id=draft.id)).id
    assert dispatch.types() == ["enquiry.started", "enquiry.submitted"]


def test_submit_refuses_invalid_answers_all_at_once(uow, dispatch):
    command = commands.SubmitEnquiry(template_key=TEMPLATE, answers={"email": "not-an-address"})
    with pytest.raises(ValidationFailed) as refused:
        run(uow, operations.submit_enquiry, command)
    assert "answers.email" in refused.value.field_errors
    assert "answers.full_name" in refused.value.field_errors
    assert dispatch.published == []


def test_change_workflow_moves_a_submitted_enquiry(uow, dispatch):
    enquiry = submitted(uow)
    with uow.read() as session:
        template = operations.template_of(session, TEMPLATE, None).definition
    other = sorted(domain.workflows(template) - {enquiry.workflow})[0]
    changed = run(
        uow,
        operations.change_workflow,
        commands.ChangeWorkflow(enquiry.id, other, "seen by an officer", "officer:1"),
    )
    assert (changed.workflow, changed.workflow_source) == (other, domain.OFFICER)
    assert dispatch.types()[-1] == "enquiry.workflow_changed"


def test_change_workflow_refuses_a_draft(uow):
    draft = start(uow)
    with pytest.raises(Conflict, match="is a draft"):
        run(
            uow,
            operations.change_workflow,
            commands.ChangeWorkflow(draft.id, "relief", "reason", "officer:1"),
        )


def test_enquiry_view_shows_progress(uow):
    draft = start(uow)
    enquiry, progress = run(uow, operations.enquiry_view, draft.id)
    assert enquiry.id == draft.id and "full_name" in progress["missing_required"]


def test_the_lifecycle_table_allows_only_its_transitions():
    draft = Enquiry(id="e", status=domain.DRAFT, answers={"a": 1}, correlation_id="c")
    draft.save_answers({"a": None, "b": 2}, now=None, actor="customer")
    assert (draft.status, draft.answers) == (domain.DRAFT, {"b": 2})
    (saved,) = draft.take_changes()
    assert (saved.name, saved.event, saved.before, saved.after) == (
        "enquiry.answers_saved",
        None,
        {"questions_answered": 1},
        {"questions_answered": 1, "questions_changed": ["a", "b"]},
    )
    with pytest.raises(Conflict):
        draft.require("change_workflow")
    done = Enquiry(id="e", status=domain.SUBMITTED, answers={}, workflow="relief")
    for action in ("save_answers", "submit"):
        with pytest.raises(Conflict):
            done.require(action)
    assert set(domain.TRANSITIONS[domain.SUBMITTED]) == {"change_workflow"}
