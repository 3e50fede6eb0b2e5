"""The documents service: the pack is rendered once, whatever order its three inputs arrive in."""

import base64
import io
import itertools
import os
import time
import uuid

import pytest
from pypdf import PdfReader

from services.documents.encryption import Keyring
from services.documents.file_store import FileStore
from services.documents.service import DocumentsService
from services.documents.sweep import sweep, unreferenced_files
from shared.db import create_engine_for
from shared.envelope import Envelope
from shared.errors import NotFound, ValidationFailed
from tests.identity import SignedRpc
from tests.integration.helpers import enquiry_submitted, publish, rows
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration


def pack_inputs():
    submitted = enquiry_submitted(
        "private_rented_eviction",
        {"full_name": "Siobhán O'Brien", "notice_expiry_date": "2027-01-05"},
    )
    enquiry_id, correlation = submitted.data["enquiry_id"], submitted.correlation_id
    opened = Envelope(
        type="case.opened",
        version=1,
        source="cases",
        correlation_id=correlation,
        data={
            "case_id": str(uuid.uuid4()),
            "reference": "HO-2026-000123",
            "enquiry_id": enquiry_id,
            "workflow": "private_rented_eviction",
            "status": "open",
            "opened_at": "2026-11-24T10:00:00Z",
        },
    )
    matched = Envelope(
        type="advice.matched",
        version=1,
        source="advice",
        correlation_id=correlation,
        data={
            "enquiry_id": enquiry_id,
            "workflow": "private_rented_eviction",
            "workflow_title": "Facing eviction from a private tenancy",
            "sections": [
                {"key": "act_now", "title": "What to do now"},
                {"key": "your_rights", "title": "Your rights"},
            ],
            "statements": [
                {
                    "key": "rights",
                    "version": 2,
                    "title": "Check your notice",
                    "section": "your_rights",
                    "body": "Your notice ends on {{ answers.notice_expiry_date | long_date }}.",
                },
                {
                    "key": "stay",
                    "version": 1,
                    "title": "Do not leave yet",
                    "section": "act_now",
                    "body": "Stay until a court says otherwise.",
                },
            ],
            "matched_at": "2026-11-24T10:00:01Z",
        },
    )
    plan = Envelope(
        type="task.plan_created",
        version=1,
        source="tasks",
        correlation_id=correlation,
        data={
            "case_id": opened.data["case_id"],
            "case_reference": "HO-2026-000123",
            "workflow": "private_rented_eviction",
            "tasks": [
                {
                    "name": "Send us your tenancy agreement",
                    "customer_facing": True,
                    "due_at": "2026-12-01T10:00:00Z",
                },
                {"name": "Check the notice", "customer_facing": False, "due_at": None},
            ],
        },
    )
    return [submitted, opened, matched, plan]


@pytest.fixture
def documents(container_factory, service_config):
    config = service_config("documents")
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, config).start()
    container_factory(DocumentsService, config).start()
    return config, received


@pytest.mark.parametrize("order", list(itertools.permutations(range(4)))[::5])
def test_pack_rendered_exactly_once_in_any_arrival_order(documents, order):
    config, received = documents
    events = pack_inputs()
    for index in order:
        publish(config, events[index])
    publish(config, events[order[-1]])  # a redelivery changes nothing
    generated = wait_for(lambda: of_type(received, "document.generated"))
    case_id = events[1].data["case_id"]
    with SignedRpc(config) as rpc:
        wait_for(lambda: len(rpc.documents.list_documents(case_id)) == 2)
        listed = {d["kind"]: d for d in rpc.documents.list_documents(case_id)}
        assert {k: d["version"] for k, d in listed.items()} == {
            "acknowledgement": 1,
            "information_pack": 1,
        }
        pack = listed["information_pack"]
        assert pack["statement_versions"] == ["rights@2", "stay@1"]
        document = rpc.documents.get_document(pack["id"])
    generated = wait_for(
        lambda: (
            len(of_type(received, "document.generated")) == 2
            and of_type(received, "document.generated")
        )
    )
    assert document["sha256"] in {g["data"]["sha256"] for g in generated}
    text = " ".join(
        PdfReader(io.BytesIO(base64.b64decode(document["content_base64"])))
        .pages[0]
        .extract_text()
        .split()
    )
    assert "HO-2026-000123" in text and "Test Borough Council" in text
    # Sections follow the workflow's order, not the order statements arrived in.
    assert text.index("Do not leave yet") < text.index("Check your notice")
    assert "Your notice ends on 5 January 2027." in text
    assert "Send us your tenancy agreement (by 1 December 2026)" in text
    assert "Check the notice" not in text
    assert rows(config["DATABASE_URL"], "SELECT count(*) FROM documents") == [(2,)]


def test_document_rpcs_reject_bad_arguments(documents):
    config, _ = documents
    with SignedRpc(config) as rpc:
        with pytest.raises(NotFound):
            rpc.documents.get_document(str(uuid.uuid4()))
        with pytest.raises(ValidationFailed) as error:
            rpc.documents.list_documents(None)
        assert "case_id" in error.value.field_errors


def test_regenerate_makes_new_versions_and_keeps_old_ones(documents):
    config, received = documents
    events = pack_inputs()
    for event in events:
        publish(config, event)
    case_id = events[1].data["case_id"]
    with SignedRpc(config) as rpc:
        wait_for(lambda: len(rpc.documents.list_documents(case_id)) == 2)
        second = rpc.documents.regenerate(
            {"case_id": case_id, "kind": "information_pack", "actor": "officer:3"}
        )
        assert (second["version"], second["created_by"]) == (2, "officer:3")
        letter = rpc.documents.regenerate(
            {"case_id": case_id, "kind": "acknowledgement", "actor": "officer:3"}
        )
        assert letter["version"] == 2
        versions = sorted((d["kind"], d["version"]) for d in rpc.documents.list_documents(case_id))
        assert versions == [
            ("acknowledgement", 1),
            ("acknowledgement", 2),
            ("information_pack", 1),
            ("information_pack", 2),
        ]
        first = next(
            d
            for d in rpc.documents.list_documents(case_id)
            if d["kind"] == "information_pack" and d["version"] == 1
        )
        assert rpc.documents.get_document(first["id"])["sha256"] == first["sha256"]
        web = rpc.documents.get_document(second["id"], "html")
        assert web["media_type"] == "text/html" and '<html lang="en-GB">' in web["html"]
        assert "HO-2026-000123" in web["html"]
        with pytest.raises(ValidationFailed) as error:
            rpc.documents.regenerate({"case_id": case_id, "kind": "poem", "actor": "officer:3"})
        assert list(error.value.field_errors) == ["kind"]
        with pytest.raises(NotFound):
            rpc.documents.regenerate(
                {"case_id": "nope", "kind": "acknowledgement", "actor": "officer:3"}
            )
        with pytest.raises(ValidationFailed) as error:
            rpc.documents.get_document(second["id"], "docx")
        assert list(error.value.field_errors) == ["edition"]


def test_two_packs_render_at_once_in_one_service(documents):
    config, received = documents
    first, second = pack_inputs(), pack_inputs()
    second[1].data["reference"] = "HO-2026-000124"
    for pair in zip(first, second, strict=True):
        for event in pair:
            publish(config, event)
    with SignedRpc(config) as rpc:
        for inputs, reference in ((first, "HO-2026-000123"), (second, "HO-2026-000124")):
            case_id = inputs[1].data["case_id"]
            wait_for(lambda c=case_id: len(rpc.documents.list_documents(c)) == 2)
            pack = next(
                d for d in rpc.documents.list_documents(case_id) if d["kind"] == "information_pack"
            )
            pdf = base64.b64decode(rpc.documents.get_document(pack["id"])["content_base64"])
            text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
            assert reference in text and "Siobhán O'Brien" in text


def test_sweep_deletes_only_old_files_no_document_refers_to(documents):
    config, _ = documents
    events = pack_inputs()
    for event in events:
        publish(config, event)
    with SignedRpc(config) as rpc:
        wait_for(lambda: len(rpc.documents.list_documents(events[1].data["case_id"])) == 2)
    store = FileStore(config["DOCUMENT_STORE_PATH"], Keyring.from_config(config))
    kept = sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
    assert len(kept) == 4  # PDF and HTML of the pack and of the letter
    # What a render killed between writing its files and committing would leave: one old, one
    # that may still be a render in progress.
    store.write("some-case/left-behind.pdf", b"%PDF-")
    store.write("some-case/in-progress.pdf", b"%PDF-")
    hour_ago = time.time() - 3600
    os.utime(store.absolute("some-case/left-behind.pdf"), (hour_ago, hour_ago))
    for path in kept:
        os.utime(store.absolute(path), (hour_ago, hour_ago))
    engine = create_engine_for(config["DATABASE_URL"])
    try:
        assert unreferenced_files(engine, store, 600) == ["some-case/left-behind.pdf"]
        assert sweep(engine, store, 600) == ["some-case/left-behind.pdf"]
        assert unreferenced_files(engine, store, 0) == ["some-case/in-progress.pdf"]
    finally:
        engine.dispose()
    remaining = sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
    assert remaining == sorted([*kept, "some-case/in-progress.pdf"])


def test_version_2_names_the_applicant_by_role_and_personalises_from_derived_facts(documents):
    """The name comes from roles.applicant_name, whatever the question is called, and statements
    may use the facts derived from the notice check like answers."""
    config, _ = documents
    events = pack_inputs()
    submitted = events[0]
    events[0] = Envelope(
        type=submitted.type,
        version=2,
        source=submitted.source,
        correlation_id=submitted.correlation_id,
        data={
            **submitted.data,
            "answers": {"name_on_form": "Amara Okafor", "notice_expiry_date": "2027-01-05"},
            "nation": "england",
            "roles": {"applicant_name": "Amara Okafor", "notice_leave_on": "2027-01-05"},
            "suggested_duty": "prevention",
            "notice_check": None,
            "derived": {"threatened_by_notice": True, "notice_threatened_from": "2026-11-11"},
        },
    )
    events[2].data["statements"][0]["body"] = (
        "You are threatened with homelessness from "
        "{{ answers.notice_threatened_from | long_date }}."
    )
    for event in events:
        publish(config, event)
    case_id = events[1].data["case_id"]
    with SignedRpc(config) as rpc:
        wait_for(lambda: len(rpc.documents.list_documents(case_id)) == 2)
        texts = {}
        for document in rpc.documents.list_documents(case_id):
            pdf = base64.b64decode(rpc.documents.get_document(document["id"])["content_base64"])
            texts[document["kind"]] = " ".join(
                " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
            )
    assert "Amara Okafor" in texts["information_pack"]
    assert "Amara Okafor" in texts["acknowledgement"]
    assert "threatened with homelessness from 11 November 2026." in texts["information_pack"]
