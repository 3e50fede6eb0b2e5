"""Delete document files that no document refers to.

A render writes its PDF and HTML before committing the document row, so that a row never lacks
its file; if the transaction fails the files are deleted again, but a process killed between the
two leaves them behind. Likewise the files of a version no longer kept are deleted just after
the commit that released them. They hold personal data, so they should not linger:

    python -m services.documents.sweep                  # older than 60 minutes
    python -m services.documents.sweep --older-than 10 --dry-run

Uses the documents service's configuration (DOCUMENTS_DATABASE_URL, DOCUMENT_STORE_PATH). Only
files older than ``--older-than`` minutes are touched, so renders in progress are left alone.
Safe to run from several places at once.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import sqlalchemy as sa

from services.documents.file_store import FileStore
from services.documents.models import Document
from shared.config import service_config
from shared.db import create_engine_for


def unreferenced_files(engine: sa.Engine, store: FileStore, older_than_seconds: float) -> list[str]:
    """Paths (relative to the store) of files no document row names, older than the limit."""
    cutoff = time.time() - older_than_seconds
    on_disk = {
        str(path.relative_to(store.root))
        for path in store.root.rglob("*")
        if path.is_file() and path.stat().st_mtime < cutoff
    }
    if not on_disk:
        return []
    with engine.connect() as connection:
        referenced = {
            value
            for row in connection.execute(
                sa.select(Document.path, Document.html_path).where(
                    Document.files_removed_at.is_(None)
                )
            )
            for value in row
            if value
        }
    return sorted(on_disk - referenced)


def sweep(engine: sa.Engine, store: FileStore, older_than_seconds: float) -> list[str]:
    removed = unreferenced_files(engine, store, older_than_seconds)
    for relative in removed:
        store.delete(relative)
    return removed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.documents.sweep")
    parser.add_argument("--older-than", type=float, default=60.0, metavar="MINUTES")
    parser.add_argument("--dry-run", action="store_true", help="list, do not delete")
    args = parser.parse_args()
    config = service_config("documents")
    engine = create_engine_for(config["DATABASE_URL"])
    store = FileStore(Path(config["DOCUMENT_STORE_PATH"]))
    act = unreferenced_files if args.dry_run else sweep
    files = act(engine, store, args.older_than * 60)
    for relative in files:
        print(relative)
    print(f"{len(files)} unreferenced file(s) {'found' if args.dry_run else 'deleted'}")
    engine.dispose()


if __name__ == "__main__":
    main()
