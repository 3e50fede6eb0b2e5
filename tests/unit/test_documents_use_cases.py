"""The documents service's use cases without a broker: an in-memory SQLite unit of work, a fake
dispatch that records what would be published, a file store in a temporary folder, and the
commands the RPC schemas build."""

import os
import uuid

import pytest
import sqlalchemy as sa

from services.documents import commands, operations, repository
from services.documents.encryption import Keyring
from services.documents.file_store import FileStore
from services.documents.models import metadata
from services.documents.schemas import RegenerateSchema
from shared.contracts import ENQUIRY_SUBMITTED, ENQUIRY_SUBMITTED_VERSION
from shared.errors import Conflict, NotFound, NotYet, ValidationFailed
from tests.unit import fakes
from tests.unit.fakes import FakeDispatch, memory_uow, run

BRANDING = {
    "name": "Example Borough Council",
    "phone": "0300 555 0100",
    "email": "housing.options@example.gov.uk",
    "colour": "#1d4f91",
    "logo": "example-logo.png",
    "contact_text": "Open Monday to Friday.",
}


@pytest.fixture
def dispatch():
    return FakeDispatch()


@pytest.fixture
def uow(dispatch):
    uow = memory_uow(metadata, "documents", dispatch=dispatch)
    yield uow
    uow.engine.dispose()


@pytest.fixture
def renderer(tmp_path):
    keyring = Keyring([os.urandom(32)])
    return operations.Renderer(FileStore(tmp_path / "documents", keyring), BRANDING)


def envelope(event_type, data, version=1):
    return fakes.envelope(event_type, data, version=version, correlation_id="c-1")


def pack_inputs():
    enquiry_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    return case_id, [
        (
            operations.record_answers,
            envelope(
                ENQUIRY_SUBMITTED,
                {
                    "enquiry_id": enquiry_id,
                    "answers": {"notice_expiry_date": "2027-01-05"},
                    "roles": {"applicant_name": "Ann Example"},
                    "derived": {},
                },
                version=ENQUIRY_SUBMITTED_VERSION,
            ),
        ),
        (
            operations.record_case,
            envelope(
                "case.opened",
                {
                    "case_id": case_id,
                    "reference": "HO-2026-000123",
                    "enquiry_id": enquiry_id,
                    "workflow": "prevention",
                },
            ),
        ),
        (
            operations.record_advice,
            envelope(
                "advice.matched",
                {
                    "enquiry_id": enquiry_id,
                    "workflow": "prevention",
                    "workflow_title": "Help to stop you becoming homeless",
                    "sections": [{"key": "your_rights", "title": "Your rights"}],
                    "statements": [
                        {
                            "key": "rights",
                            "version": 2,
                            "title": "Check your notice",
                            "section": "your_rights",
                            "body": "It ends on {{ answers.notice_expiry_date | long_date }}.",
                        }
                    ],
                },
            ),
        ),
        (
            operations.record_task_plan,
            envelope(
                "task.plan_created",
                {
                    "case_id": case_id,
                    "tasks": [
                        {"name": "Send us your tenancy", "customer_facing": True, "due_at": None}
                    ],
                },
            ),
        ),
    ]


def record(uow, renderer, use_case, event):
    return run(uow, use_case, event, renderer)


def test_each_part_fills_the_request_and_the_last_renders_the_pack(uow, renderer, dispatch):
    case_id, inputs = pack_inputs()
    outcomes = [record(uow, renderer, use_case, event) for use_case, event in inputs]
    assert outcomes[:3] == [None, None, None]
    assert outcomes[3].kind == operations.INFORMATION_PACK
    assert outcomes[3].statement_versions == ["rights@2"]
    # The acknowledgement as soon as the answers and the case were in; the pack at the end.
    assert [d["kind"] for d in dispatch.data_of("document.generated")] == [
        operations.ACKNOWLEDGEMENT,
        operations.INFORMATION_PACK,
    ]
    with uow.transaction() as tx:
        kinds = [d.kind for d in operations.documents_of_case(tx, case_id)]
        view = operations.document_view(tx, renderer.store, outcomes[3].id, "html")
    assert kinds == [operations.ACKNOWLEDGEMENT, operations.INFORMATION_PACK]
    assert "5 January 2027" in view["html"]


def test_a_task_plan_before_its_case_waits_for_it(uow, renderer, dispatch):
    _, inputs = pack_inputs()
    use_case, plan = inputs[3]
    with pytest.raises(NotYet, match="case.opened"):
        record(uow, renderer, use_case, plan)
    assert dispatch.published == []


def test_regenerate_makes_a_new_version(uow, renderer, dispatch):
    case_id, inputs = pack_inputs()
    for use_case, event in inputs:
        record(uow, renderer, use_case, event)
    command = RegenerateSchema().load(
        {"case_id": case_id, "kind": "information_pack", "actor": "o"}
    )
    assert command == commands.Regenerate(case_id, "information_pack", "o")
    with uow.transaction() as tx:
        document, released = operations.regenerate(tx, command, renderer)
    assert (document.version, document.created_by, released) == (2, "o", [])


def test_regenerate_refuses_what_cannot_be_made(uow, renderer):
    case_id, inputs = pack_inputs()
    for use_case, event in inputs[:2]:
        record(uow, renderer, use_case, event)
    with pytest.raises(Conflict), uow.transaction() as tx:
        operations.regenerate(tx, commands.Regenerate(case_id, "information_pack", "o"), renderer)
    with pytest.raises(ValidationFailed), uow.transaction() as tx:
        operations.regenerate(tx, commands.Regenerate(case_id, "no_such_letter", "o"), renderer)
    with pytest.raises(NotFound), uow.transaction() as tx:
        operations.regenerate(
            tx, commands.Regenerate("no-such-case", "acknowledgement", "o"), renderer
        )


def test_document_view_refuses_an_unknown_document(uow, renderer):
    with pytest.raises(NotFound), uow.transaction() as tx:
        operations.document_view(tx, renderer.store, "no-such-document")


def test_a_claim_is_given_once(uow):
    with uow.transaction() as tx:
        repository.fill_pack_part(tx.session, "e-1", {"answers_received_at": sa.func.now()})
        assert repository.claim_pack_request(tx.session, "e-1", "acknowledged", ("answers",))
        assert (
            repository.claim_pack_request(tx.session, "e-1", "acknowledged", ("answers",)) is None
        )
        assert (
            repository.claim_pack_request(tx.session, "e-1", "rendered", ("answers", "case"))
            is None
        )
