"""Issue 17 against the real documents service (a nameko container on the real broker): files at
rest, the PDF renderer's resources, the render budget and regeneration, each reproduced."""

import base64
import io
import json
import os
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import eventlet
import pytest
from pypdf import PdfReader

from services.documents import encryption, keys, rendering
from services.documents.encryption import MAGIC, Keyring
from services.documents.file_store import FileStore
from services.documents.service import DocumentsService
from shared.db import create_engine_for
from shared.errors import Conflict, NotFound
from tests.identity import SignedRpc
from tests.integration.helpers import publish, rows
from tests.integration.test_documents_service import pack_inputs
from tests.recorder import wait_for

pytestmark = pytest.mark.integration
ROOT = str(Path(__file__).resolve().parents[2])


def key_file(folder, name):
    path = folder / name
    encryption.write_private_file(path, encryption.new_key_text())
    return str(path)


@pytest.fixture
def start(container_factory, service_config, tmp_path):
    """Start the documents service with extra settings; returns its config."""

    def started(**settings):
        config = service_config("documents", **settings)
        container = container_factory(DocumentsService, config)
        container.start()
        return config, container

    return started


def publish_case(config, statements=None):
    events = pack_inputs()
    if statements is not None:
        events[2].data["statements"] = statements
    for event in events:
        publish(config, event)
    return events[1].data["case_id"]


def documents_of(rpc, case_id, count=2, timeout=30):
    wait_for(lambda: len(rpc.documents.list_documents(case_id)) == count, timeout=timeout)
    return {d["kind"]: d for d in rpc.documents.list_documents(case_id)}


def pdf_text(document):
    pdf = base64.b64decode(document["content_base64"])
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


# --- files at rest --------------------------------------------------------------------------


def test_files_are_encrypted_private_and_no_reply_names_a_server_path(start, tmp_path):
    config, _ = start(DOCUMENT_KEYS=key_file(tmp_path, "documents.key"))
    case_id = publish_case(config)
    with SignedRpc(config) as rpc:
        listed = documents_of(rpc, case_id)
        pack = listed["information_pack"]
        replies = [
            rpc.documents.get_document(pack["id"]),
            rpc.documents.get_document(pack["id"], "html"),
            rpc.documents.list_documents(case_id),
        ]
    root = os.path.realpath(config["DOCUMENT_STORE_PATH"])
    for reply in (replies[0], replies[1], *replies[2]):
        assert root not in json.dumps(reply)
        assert not [key for key in reply if "path" in key]
    files = [p for p in (tmp_path / "documents").rglob("*") if p.is_file()]
    assert len(files) == 4
    for path in files:
        content = path.read_bytes()
        assert content.startswith(MAGIC)
        assert b"%PDF" not in content and "Siobhán".encode() not in content
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in {tmp_path / "documents", *(p.parent for p in files)}:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert "Siobhán O'Brien" in pdf_text(replies[0])


def test_a_rotated_key_still_reads_old_files_and_moves_them(start, tmp_path):
    old, new = key_file(tmp_path, "old.key"), key_file(tmp_path, "new.key")
    config, container = start(DOCUMENT_KEYS=old)
    case_id = publish_case(config)
    with SignedRpc(config) as rpc:
        listed = documents_of(rpc, case_id)
    container.stop()
    config, _ = start(DOCUMENT_KEYS=f"{new},{old}", DATABASE_URL=config["DATABASE_URL"])
    store = FileStore(config["DOCUMENT_STORE_PATH"], Keyring.from_config(config))
    pack, letter = listed["information_pack"], listed["acknowledgement"]
    with SignedRpc(config) as rpc:
        assert "Siobhán O'Brien" in pdf_text(rpc.documents.get_document(pack["id"]))
    engine = create_engine_for(config["DATABASE_URL"])
    try:
        # The read moved the pack's PDF; the command moves the rest.
        old_id = encryption.key_id(encryption.read_key_file(Path(old)))
        assert keys.status(engine, store) == {store.keyring.current_id: 1, old_id: 3}
        assert keys.reencrypt(engine, store) == {"moved": 3, "current": 1}
        assert keys.status(engine, store) == {store.keyring.current_id: 4}
    finally:
        engine.dispose()
    # The old key can go now.
    only_new = FileStore(config["DOCUMENT_STORE_PATH"], Keyring.from_config({"DOCUMENT_KEYS": new}))
    assert only_new.read(letter_path(config, letter["id"])).startswith(b"%PDF")


def letter_path(config, document_id):
    found = list(Path(config["DOCUMENT_STORE_PATH"]).rglob(f"{document_id}.pdf"))
    return str(found[0].relative_to(Path(config["DOCUMENT_STORE_PATH"]).resolve()))


# --- the PDF renderer's resources ----------------------------------------------------------


HOSTILE_MARKUP = [
    '<img src="http://127.0.0.1:{port}/statement.png">',
    '<img src="file:///etc/passwd">',
    '<img src="../../../../etc/passwd">',
    '<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    "<style>@font-face { font-family: X; src: url(/etc/passwd); }</style>",
]


@pytest.fixture
def canary():
    """An HTTP address on this machine that counts every connection made to it."""
    server = eventlet.listen(("127.0.0.1", 0))
    connections = []

    def serve():
        while True:
            client, _ = server.accept()
            connections.append(client)
            client.close()

    thread = eventlet.spawn(serve)
    yield server.getsockname()[1], connections
    thread.kill()
    server.close()


def test_hostile_markup_in_statements_prints_as_text_and_fetches_nothing(start, canary):
    port, connections = canary
    config, _ = start()
    statements = [
        {
            "key": f"hostile-{n}",
            "version": 1,
            "title": f"Hostile {n}",
            "section": "act_now",
            "body": markup.replace("{port}", str(port)),
        }
        for n, markup in enumerate(HOSTILE_MARKUP)
    ]
    case_id = publish_case(config, statements)
    with SignedRpc(config) as rpc:
        pack = documents_of(rpc, case_id)["information_pack"]
        text = pdf_text(rpc.documents.get_document(pack["id"]))
        web = rpc.documents.get_document(pack["id"], "html")["html"]
    assert pack["omitted_statements"] == []
    assert "<img src=" in text and "file:///etc/passwd" in text  # shown, as text
    assert "root:x:0:0" not in text and "<img src=" not in web
    assert connections == []


WATCHED_WORKER = """
import atexit, json, os, sys
from services.documents import render_worker
opened, connected, watching, jobs = [], [], [False], [0]
def watch(event, args):
    if not watching[0]:
        return
    if event == "open" and args and isinstance(args[0], (str, bytes)):
        opened.append(os.fsdecode(args[0]))
    elif event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        connected.append(event)
sys.addaudithook(watch)
real_job = render_worker.run_job
def watched_job(job):
    watching[0] = jobs[0] > 0  # the first job warms up: fonts, lazy imports
    jobs[0] += 1
    try:
        return real_job(job)
    finally:
        watching[0] = False
render_worker.run_job = watched_job
atexit.register(lambda: open(os.environ["WATCH_REPORT"], "w").write(
    json.dumps({"opened": opened, "connected": connected})))
render_worker.main()
"""


def test_the_real_worker_opens_no_file_outside_assets_and_no_address(tmp_path, canary):
    """Markup cannot come through a statement (it is escaped), so it is handed to the render
    worker process directly, watched by an audit hook: every job fails, nothing is opened."""
    port, connections = canary
    page = rendering.letter_html(
        "acknowledgement",
        {"case_reference": "HO-1", "applicant_name": "Jo", "generated_on": "2026-11-24"},
        {"name": "C", "phone": "1", "email": "e", "colour": "#123456", "contact_text": "c"},
        "pdf",
    )
    jobs = [{"job": "pdf", "html": page, "seconds": 10, "max_bytes": 10**7}]  # warms up
    jobs += [
        {
            "job": "pdf",
            "html": page.replace("<main>", "<main>" + markup.replace("{port}", str(port))),
            "seconds": 10,
            "max_bytes": 10**7,
        }
        for markup in HOSTILE_MARKUP
    ]
    report = tmp_path / "watch.json"
    done = subprocess.run(
        [sys.executable, "-c", WATCHED_WORKER, "1024"],
        input="".join(json.dumps(job) + "\n" for job in jobs).encode(),
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "WATCH_REPORT": str(report)},
        timeout=120,
    )
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert replies[0] == {"ready": True} and "pdf" in replies[1]
    assert all("resource refused" in reply.get("error", "") for reply in replies[2:]), replies
    watched = json.loads(report.read_text())
    assert watched["connected"] == [] and connections == []
    outside = [path for path in watched["opened"] if not path.startswith(str(rendering.ASSETS_DIR))]
    assert outside == [], outside
    assert not any("passwd" in path for path in watched["opened"])


# --- render budget -------------------------------------------------------------------------


FREEZERS = [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{{ 'A' * 300000000 }}",
    "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
]


def test_a_hostile_statement_freezes_nothing_and_the_pack_goes_out_without_it(start):
    config, _ = start(DOCUMENT_STATEMENT_SECONDS="3")
    statements = pack_inputs()[2].data["statements"]
    statements += [
        {"key": f"freezer-{n}", "version": 1, "title": "F", "section": "act_now", "body": body}
        for n, body in enumerate(FREEZERS)
    ]
    case_id = publish_case(config, statements)
    latencies = []
    made = f"SELECT count(*) FROM documents WHERE case_id = '{case_id}'"
    with SignedRpc(config) as rpc:
        deadline = time.monotonic() + 60
        # While the freezers render (three seconds each at most), the service answers at once.
        # (Calls that write, as every audited read does, wait for the render on SQLite, whose
        # writers take turns: docs/documents.md.)
        while rows(config["DATABASE_URL"], made) < [(2,)] and time.monotonic() < deadline:
            for call in (rpc.documents.health, rpc.documents.list_letter_types):
                began = time.monotonic()
                call()
                latencies.append(time.monotonic() - began)
            eventlet.sleep(0.1)
        pack = documents_of(rpc, case_id)["information_pack"]
        text = pdf_text(rpc.documents.get_document(pack["id"]))
    assert len(latencies) >= 10 and max(latencies) < 1.0, latencies
    assert pack["statement_versions"] == ["rights@2", "stay@1"]
    problems = {o["statement"]: o["problem"] for o in pack["omitted_statements"]}
    assert problems["freezer-0@1"] == "too_slow"
    assert problems["freezer-2@1"] == "too_long"
    assert problems["freezer-1@1"] in ("too_long", "too_slow")
    assert "Your notice ends on 5 January 2027." in text and "AAAA" not in text


# --- regeneration -------------------------------------------------------------------------


def test_regeneration_is_limited_and_only_the_last_versions_keep_their_files(start, tmp_path):
    config, _ = start(DOCUMENT_REGENERATIONS_PER_HOUR="4", DOCUMENT_KEEP_VERSIONS="2")
    case_id = publish_case(config)
    again = {"case_id": case_id, "kind": "acknowledgement", "actor": "officer:test"}
    with SignedRpc(config) as rpc:
        first = documents_of(rpc, case_id)["acknowledgement"]
        made = [rpc.documents.regenerate(again) for _ in range(3)]
        with pytest.raises(Conflict, match="4 times in the last hour"):
            rpc.documents.regenerate(again)
        versions = {
            d["version"]: d
            for d in rpc.documents.list_documents(case_id)
            if d["kind"] == "acknowledgement"
        }
        for old in (1, 2):
            assert versions[old]["files_removed_at"]
            with pytest.raises(NotFound):
                rpc.documents.get_document(versions[old]["id"])
        assert rpc.documents.get_document(made[-1]["id"])["version"] == 4
    assert [v for v in sorted(versions) if not versions[v]["files_removed_at"]] == [3, 4]
    on_disk = {p.name for p in (tmp_path / "documents").rglob("*") if p.is_file()}
    assert f"{first['id']}.pdf" not in on_disk and f"{made[-1]['id']}.pdf" in on_disk
    assert len(on_disk) == 2 * 2 + 2  # two acknowledgements and the pack, PDF and HTML each
    assert uuid.UUID(made[-1]["id"])
