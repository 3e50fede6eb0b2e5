"""The queries the documents service needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.documents.models import Document, PackRequest
from shared.db import insert_ignoring_conflict


def fill_pack_part(session: Session, enquiry_id: str, values: dict[str, Any]) -> None:
    insert_ignoring_conflict(session, PackRequest.__table__, {"enquiry_id": enquiry_id})
    session.execute(
        sa.update(PackRequest).where(PackRequest.enquiry_id == enquiry_id).values(**values)
    )


def claim_pack_request(
    session: Session, enquiry_id: str, flag: str, parts: tuple[str, ...]
) -> PackRequest | None:
    """The pack request, once, when every one of ``parts`` (``answers``, ``case``, ``advice``,
    ``tasks``) is in: sets ``flag`` (``acknowledged`` or ``rendered``) and returns the request
    to the caller that set it, None to any other. On PostgreSQL the UPDATE waits for a
    concurrent transaction filling another part, then re-checks, so exactly one handler wins."""
    received = [getattr(PackRequest, f"{part}_received_at").is_not(None) for part in parts]
    claimed = session.execute(
        sa.update(PackRequest)
        .where(
            PackRequest.enquiry_id == enquiry_id,
            getattr(PackRequest, flag).is_(False),
            *received,
        )
        .values({flag: True})
    ).rowcount
    if claimed != 1:
        return None
    request = session.get(PackRequest, enquiry_id)
    session.refresh(request)
    return request


def pack_request_for_case(session: Session, case_id: str) -> PackRequest | None:
    return session.scalar(sa.select(PackRequest).where(PackRequest.case_id == case_id))


def next_version(session: Session, case_id: str, kind: str) -> int:
    latest = session.scalar(
        sa.select(sa.func.max(Document.version)).where(
            Document.case_id == case_id, Document.kind == kind
        )
    )
    return (latest or 0) + 1


def count_made_since(session: Session, case_id: str, kind: str, since: datetime) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(
            Document.case_id == case_id, Document.kind == kind, Document.created_at >= since
        )
    )


def versions_with_files_before(
    session: Session, case_id: str, kind: str, version: int
) -> list[Document]:
    """The case's documents of ``kind`` older than ``version`` whose files are still kept."""
    return list(
        session.scalars(
            sa.select(Document).where(
                Document.case_id == case_id,
                Document.kind == kind,
                Document.version < version,
                Document.files_removed_at.is_(None),
            )
        )
    )


def get_document(session: Session, document_id: str) -> Document | None:
    return session.get(Document, document_id)


def documents_of_case(session: Session, case_id: str) -> list[Document]:
    return list(
        session.scalars(
            sa.select(Document)
            .where(Document.case_id == case_id)
            .order_by(Document.kind, Document.version)
        )
    )
