"""Issue 17, documents: files encrypted at rest with rotating keys and private permissions, no
server path in a reply, the PDF renderer's resource policy, the render budget (worker processes)
and the limits on regenerating documents."""

import base64
import hashlib
import logging
import os
import socket
import stat
import sys
import time
from datetime import timedelta

import pytest
import time_machine

from services.documents import commands, encryption, isolation, operations, rendering
from services.documents.encryption import MAGIC, KeyProblem, Keyring, key_id
from services.documents.file_store import FileStore
from services.documents.models import metadata
from services.documents.sweep import unreferenced_files
from shared.clock import utcnow
from shared.errors import Conflict, NotFound
from tests.unit.fakes import FakeDispatch, memory_uow, run
from tests.unit.test_documents_use_cases import BRANDING, pack_inputs

PDF = b"%PDF-1.4 Siobhan's notice ends on 5 January 2027"


def new_keyring(*keys):
    return Keyring(list(keys) or [os.urandom(32)])


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


# --- encryption at rest ------------------------------------------------------------------------


def test_files_are_encrypted_bound_to_their_name_and_private(tmp_path):
    old_umask = os.umask(0)  # permissions must not depend on the process's umask
    try:
        store = FileStore(tmp_path / "documents", new_keyring())
        path, digest = store.write("case-1/doc.pdf", PDF)
    finally:
        os.umask(old_umask)
    on_disk = store.absolute(path).read_bytes()
    assert on_disk.startswith(MAGIC) and b"Siobhan" not in on_disk
    assert digest == hashlib.sha256(PDF).hexdigest()  # of the content, as documents record it
    assert store.read(path) == PDF
    assert mode(store.absolute(path)) == 0o600
    assert mode(store.root) == 0o700 and mode(store.root / "case-1") == 0o700
    # Copied over another document's file, it no longer decrypts.
    store.absolute("case-1/other.pdf").write_bytes(on_disk)
    with pytest.raises(KeyProblem, match="altered or moved"):
        store.read("case-1/other.pdf")
    tampered = bytearray(on_disk)
    tampered[-1] ^= 1
    store.absolute(path).write_bytes(bytes(tampered))
    with pytest.raises(KeyProblem):
        store.read(path)


def test_rotation_old_files_stay_readable_and_move_to_the_current_key(tmp_path):
    old, new = os.urandom(32), os.urandom(32)
    before = FileStore(tmp_path, Keyring([old]))
    path, digest = before.write("case/doc.pdf", PDF)
    rotated = FileStore(tmp_path, Keyring([new, old]))
    assert rotated.read(path) == PDF and not rotated.is_current(path)
    assert rotated.reencrypt(path, digest) is True
    assert rotated.is_current(path) and rotated.reencrypt(path, digest) is False
    assert FileStore(tmp_path, Keyring([new])).read(path) == PDF
    with pytest.raises(KeyProblem, match=key_id(new)):
        before.read(path)  # names the key id it lacks, never a key


def test_a_file_from_before_encryption_is_read_only_as_recorded_then_encrypted(tmp_path):
    store = FileStore(tmp_path, new_keyring())
    (tmp_path / "case").mkdir()
    (tmp_path / "case" / "old.pdf").write_bytes(PDF)
    os.chmod(tmp_path / "case" / "old.pdf", 0o644)
    digest = hashlib.sha256(PDF).hexdigest()
    with pytest.raises(KeyProblem):
        store.read("case/old.pdf")
    with pytest.raises(KeyProblem):
        store.read("case/old.pdf", hashlib.sha256(b"other").hexdigest())
    assert store.read("case/old.pdf", digest) == PDF
    assert store.reencrypt("case/old.pdf", digest)
    assert store.absolute("case/old.pdf").read_bytes().startswith(MAGIC)
    assert mode(store.absolute("case/old.pdf")) == 0o600


def test_keys_come_from_configuration(tmp_path, monkeypatch):
    first, second = tmp_path / "a.key", tmp_path / "b.key"
    encryption.write_private_file(first, encryption.new_key_text())
    encryption.write_private_file(second, encryption.new_key_text())
    keyring = Keyring.from_config({"DOCUMENT_KEYS": f"{first}, {second}"})
    assert keyring.current_id == key_id(encryption.read_key_file(first))
    assert len(keyring.key_ids) == 2
    with pytest.raises(KeyProblem, match="not found"):
        Keyring.from_config({"DOCUMENT_KEYS": str(tmp_path / "missing.key")})
    (tmp_path / "short.key").write_text(base64.b64encode(b"x" * 16).decode())
    with pytest.raises(KeyProblem, match="16 bytes"):
        Keyring.from_config({"DOCUMENT_KEYS": str(tmp_path / "short.key")})


def test_without_keys_the_development_key_is_made_private(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(encryption, "DEVELOPMENT_KEY", tmp_path / "keys" / "documents.key")
    monkeypatch.delenv("DOCUMENT_KEYS", raising=False)
    with caplog.at_level(logging.WARNING):
        keyring = Keyring.from_config({"DOCUMENT_KEYS": None})
    assert mode(tmp_path / "keys") == 0o700 and mode(tmp_path / "keys" / "documents.key") == 0o600
    assert Keyring.from_config({}).current_id == keyring.current_id  # the same key next time
    assert "development key" in caplog.text
    key_text = (tmp_path / "keys" / "documents.key").read_text().strip()
    assert key_text not in caplog.text


def test_without_keys_and_nowhere_to_make_one_the_service_does_not_start(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setattr(encryption, "DEVELOPMENT_KEY", tmp_path / "a-file" / "documents.key")
    monkeypatch.delenv("DOCUMENT_KEYS", raising=False)
    with pytest.raises(KeyProblem, match="set DOCUMENT_KEYS"):
        Keyring.from_config({"DOCUMENT_KEYS": ""})


# --- use cases: replies, on-read re-encryption, regeneration limits, retention ----------------


@pytest.fixture
def uow():
    uow = memory_uow(metadata, "documents", dispatch=FakeDispatch())
    yield uow
    uow.engine.dispose()


def made_case(uow, renderer):
    case_id, inputs = pack_inputs()
    for use_case, event in inputs:
        run(uow, use_case, event, renderer)
    return case_id


def renderer_with(tmp_path, keyring=None, **retention):
    store = FileStore(tmp_path / "documents", keyring or new_keyring())
    return operations.Renderer(store, BRANDING, retention=operations.Retention(**retention))


def test_a_reply_names_no_server_path_and_moves_old_files_to_the_current_key(uow, tmp_path):
    old, new = os.urandom(32), os.urandom(32)
    renderer = renderer_with(tmp_path, Keyring([old]))
    case_id = made_case(uow, renderer)
    rotated = FileStore(renderer.store.root, Keyring([new, old]))
    with uow.transaction() as tx:
        pack = operations.documents_of_case(tx, case_id)[-1]
        assert not rotated.is_current(pack.path)
        pdf = operations.document_view(tx, rotated, pack.id)
        web = operations.document_view(tx, rotated, pack.id, "html")
    for view in (pdf, web):
        assert "path" not in view and str(renderer.store.root) not in repr(view)
    assert base64.b64decode(pdf["content_base64"]).startswith(b"%PDF")
    assert rotated.is_current(pack.path) and rotated.is_current(pack.html_path)


def test_regeneration_is_limited_per_case_and_kind_per_hour(uow, tmp_path):
    renderer = renderer_with(tmp_path, regenerations_per_hour=3, keep_versions=10)
    case_id = made_case(uow, renderer)  # version 1 of each kind counts
    again = commands.Regenerate(case_id, "acknowledgement", "officer:1")
    with time_machine.travel(utcnow(), tick=False) as clock:
        for _ in range(2):
            run(uow, operations.regenerate, again, renderer)
        with pytest.raises(Conflict, match="3 times in the last hour"):
            run(uow, operations.regenerate, again, renderer)
        # Another kind of the same case has its own count.
        pack = commands.Regenerate(case_id, "information_pack", "officer:1")
        run(uow, operations.regenerate, pack, renderer)
        clock.shift(timedelta(hours=1, seconds=1))
        document, _ = run(uow, operations.regenerate, again, renderer)
    assert document.version == 4


def test_only_the_last_versions_keep_their_files(uow, tmp_path):
    renderer = renderer_with(tmp_path, regenerations_per_hour=100, keep_versions=2)
    case_id = made_case(uow, renderer)
    again = commands.Regenerate(case_id, "acknowledgement", "officer:1")
    released = []
    for _ in range(3):
        _, paths = run(uow, operations.regenerate, again, renderer)
        released.append(paths)
        operations.delete_files(renderer.store, paths)
    assert [len(paths) for paths in released] == [0, 2, 2]  # PDF and HTML of v1, then of v2
    with uow.transaction() as tx:
        versions = {
            d.version: d for d in operations.documents_of_case(tx, case_id) if d.kind == again.kind
        }
        assert [v for v, d in sorted(versions.items()) if d.files_removed_at] == [1, 2]
        for version in (1, 2):
            assert not renderer.store.exists(versions[version].path)
            with pytest.raises(NotFound, match="files of document"):
                operations.document_view(tx, renderer.store, versions[version].id)
        assert operations.document_view(tx, renderer.store, versions[4].id)["version"] == 4
    # A crash between the commit and the deletion leaves files the sweep then removes.
    leftover = versions[1].path
    renderer.store.write(leftover, b"%PDF")
    assert leftover in unreferenced_files(uow.engine, renderer.store, older_than_seconds=-1)


# --- render budget ------------------------------------------------------------------------------


HOSTILE_BODIES = {
    "loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "huge_string": "{{ 'A' * 3000000000 }}",
    "long_output": "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
    "broken": "{{ 1 / 0 }}",
}


@pytest.fixture(scope="module")
def workers():
    pool = isolation.RenderWorkers(
        isolation.RenderLimits(statement_seconds=1.0, statement_max_chars=5000, workers=1)
    )
    yield pool
    pool.close()


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("loops", "too_slow"),
        ("huge_string", "too_long"),
        ("long_output", "too_long"),
        ("broken", "failed"),
    ],
)
def test_a_hostile_statement_fails_its_budget_and_the_worker_recovers(workers, name, problem):
    with pytest.raises(isolation.StatementProblem) as failed:
        workers.statement(HOSTILE_BODIES[name], {})
    assert failed.value.kind == problem
    assert workers.statement("For {{ answers.name }}.", {"name": "Jo"}) == "<p>For Jo.</p>"


def test_a_body_that_overran_is_not_waited_for_again(workers):
    body = HOSTILE_BODIES["loops"] + "{# another body #}"
    for _ in range(2):
        began = time.monotonic()
        with pytest.raises(isolation.StatementProblem, match="too_slow"):
            workers.statement(body, {})
    assert time.monotonic() - began < 0.1


def test_the_pdf_has_a_time_and_size_budget(workers):
    html = rendering.pack_html(
        {
            "case_reference": "HO-2026-000001",
            "applicant_name": "Jo",
            "workflow_title": "Help",
            "generated_on": "2026-11-24",
            "answers": {},
            "next_steps": [],
            "sections": [
                {
                    "key": "a",
                    "title": "A",
                    "statements": [{"title": f"S{n}", "body": "Advice. " * 400} for n in range(40)],
                }
            ],
        },
        BRANDING,
    )
    small = isolation.RenderWorkers(isolation.RenderLimits(pdf_max_bytes=2000, workers=1))
    slow = isolation.RenderWorkers(isolation.RenderLimits(pdf_seconds=0.05, workers=1))
    try:
        with pytest.raises(rendering.RenderFailed, match="larger than 2000 bytes"):
            small.pdf(html)
        with pytest.raises(rendering.RenderFailed, match="longer than|took longer"):
            slow.pdf(html)
    finally:
        small.close()
        slow.close()
    assert workers.pdf(html).startswith(b"%PDF")


def test_a_statement_over_budget_is_left_out_and_flagged_not_the_pack(uow, tmp_path, caplog):
    budget = isolation.RenderLimits(statement_seconds=1.0, workers=1)
    workers = isolation.RenderWorkers(budget)
    renderer = operations.Renderer(
        FileStore(tmp_path / "documents", new_keyring()), BRANDING, workers
    )
    case_id, inputs = pack_inputs()
    statements = inputs[2][1].data["statements"]
    statements.append({**statements[0], "key": "hostile", "version": 7})
    statements[-1]["body"] = HOSTILE_BODIES["loops"] + " {{ answers.notice_expiry_date }}"
    try:
        with caplog.at_level(logging.WARNING):
            documents = [run(uow, use_case, event, renderer) for use_case, event in inputs]
    finally:
        workers.close()
    pack = documents[-1]
    assert pack.statement_versions == ["rights@2"]
    assert pack.omitted_statements == [{"statement": "hostile@7", "problem": "too_slow"}]
    assert "hostile@7" in caplog.text and case_id in caplog.text
    assert "2027-01-05" not in caplog.text and "range(" not in caplog.text
    with uow.transaction() as tx:
        view = operations.document_view(tx, renderer.store, pack.id)
    assert view["omitted_statements"] == [{"statement": "hostile@7", "problem": "too_slow"}]


# --- the PDF renderer's resources ---------------------------------------------------------------


def test_the_pdf_renderer_opens_nothing_outside_assets_and_no_network(monkeypatch):
    """Hostile markup given straight to the PDF renderer (statement bodies are escaped, so it
    cannot come from them): every attempt fails the render, and neither the file nor the
    address is ever opened."""
    opened, connected = [], []

    def watch(event, args):
        if event == "open" and args and isinstance(args[0], str | bytes | os.PathLike):
            opened.append(os.fsdecode(args[0]))
        if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
            connected.append((event, args))

    page = rendering.pack_html(
        {
            "case_reference": "HO-2026-000001",
            "applicant_name": "Jo",
            "workflow_title": "Help",
            "generated_on": "2026-11-24",
            "answers": {},
            "next_steps": [],
            "sections": [],
        },
        BRANDING,
    )
    rendering.html_to_pdf(page)  # fonts and lazy imports loaded before watching
    hostile = [
        '<img src="http://127.0.0.1:9/x.png">',
        '<img src="https://169.254.169.254/latest/meta-data/">',
        '<img src="file:///etc/passwd">',
        '<img src="../../../../etc/passwd">',
        '<img src="/etc/passwd">',
        '<img src="assets/../../../../../etc/hostname">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        "<style>@import url(file:///etc/passwd);</style>",
        "<style>@font-face { font-family: X; src: url(/etc/passwd); }</style>",
        '<div style="background-image: url(http://127.0.0.1:9/bg.png)">x</div>',
        '<pdf:barcode value="x" type="code128"></pdf:barcode><img src="ftp://127.0.0.1/x">',
    ]
    watching = [True]
    sys.addaudithook(lambda event, args: watching[0] and watch(event, args))
    try:
        for markup in hostile:
            with pytest.raises(rendering.RenderFailed):
                rendering.html_to_pdf(page.replace("<main>", f"<main>{markup}"))
        # The watch sees what it should: a file opened here, an address looked up here.
        (rendering.ASSETS_DIR / "example-logo.png").open("rb").close()
        socket.getaddrinfo("127.0.0.1", 9)
    finally:
        watching[0] = False
    assert str(rendering.ASSETS_DIR / "example-logo.png") in opened
    assert [event for event, _ in connected] == ["socket.getaddrinfo"]
    outside = [
        path
        for path in opened
        if not path.startswith((str(rendering.ASSETS_DIR), sys.prefix, sys.base_prefix))
        and "site-packages" not in path
        and "__pycache__" not in path
    ]
    assert outside == [], outside
    assert not any("passwd" in path or "hostname" in path for path in opened)
