"""The document encryption keys (docs/documents.md, "Encryption at rest"):

    python -m services.documents.keys new /secure/place/documents-2027.key
    python -m services.documents.keys status        # which key each kept file is under
    python -m services.documents.keys reencrypt     # move every kept file to the current key

Rotation: make a new key; put it first in DOCUMENT_KEYS with the old one after it
(``new.key,old.key``) and restart the service; run ``reencrypt``; once ``status`` shows no file
under the old key, drop it from DOCUMENT_KEYS. Uses the documents service's configuration
(DOCUMENTS_DATABASE_URL, DOCUMENT_STORE_PATH, DOCUMENT_KEYS). Safe to run while the service
runs: a file is replaced whole, and both keys decrypt meanwhile. It prints key ids and counts,
never a key or a document's content.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from services.documents.encryption import (
    KeyProblem,
    Keyring,
    key_id_of,
    new_key_text,
    write_private_file,
)
from services.documents.file_store import FileStore
from services.documents.models import Document
from shared.config import service_config
from shared.db import create_engine_for


def kept_files(engine: sa.Engine) -> list[tuple[str, str | None]]:
    """(path, sha256 of the content) of every file a document still keeps."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(Document.path, Document.sha256, Document.html_path, Document.html_sha256)
            .where(Document.files_removed_at.is_(None))
            .order_by(Document.created_at)
        ).all()
    files = [(row.path, row.sha256) for row in rows]
    return files + [(row.html_path, row.html_sha256) for row in rows if row.html_path]


def reencrypt(engine: sa.Engine, store: FileStore) -> Counter[str]:
    """Every kept file under the current key, with private permissions: counts of ``moved``,
    ``current``, ``missing`` and ``unreadable`` (under no configured key, or altered)."""
    counts: Counter[str] = Counter()
    for path, sha256 in kept_files(engine):
        if not store.exists(path):
            counts["missing"] += 1
            continue
        try:
            counts["moved" if store.reencrypt(path, sha256) else "current"] += 1
        except KeyProblem:
            counts["unreadable"] += 1
    return counts


def status(engine: sa.Engine, store: FileStore) -> Counter[str]:
    """How many kept files each key id holds (``plain`` for files from before encryption)."""
    counts: Counter[str] = Counter()
    for path, _ in kept_files(engine):
        if not store.exists(path):
            counts["missing"] += 1
            continue
        with open(store.absolute(path), "rb") as file:
            counts[key_id_of(file.read(64)) or "plain"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.documents.keys")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="write a new key to a file only you can read")
    new.add_argument("path", type=Path)
    commands.add_parser("status", help="which key each kept document file is under")
    commands.add_parser("reencrypt", help="move every kept document file to the current key")
    args = parser.parse_args(argv)
    if args.command == "new":
        try:
            write_private_file(args.path, new_key_text())
        except FileExistsError:
            print(f"{args.path} exists: not overwritten", file=sys.stderr)
            return 1
        print(f"new key {Keyring.from_config({'DOCUMENT_KEYS': str(args.path)}).current_id}")
        return 0
    config = service_config("documents")
    try:
        keyring = Keyring.from_config(config)
    except KeyProblem as problem:
        print(problem, file=sys.stderr)
        return 1
    engine = create_engine_for(config["DATABASE_URL"])
    store = FileStore(Path(config["DOCUMENT_STORE_PATH"]), keyring)
    try:
        counts = (reencrypt if args.command == "reencrypt" else status)(engine, store)
    finally:
        engine.dispose()
    print(f"current key {keyring.current_id}")
    for name, count in sorted(counts.items()):
        print(f"{name}: {count}")
    return 1 if counts.get("unreadable") else 0


if __name__ == "__main__":
    raise SystemExit(main())
