"""The queries the enquiry domain needs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.enquiry.models import Enquiry, QuestionTemplate
from shared.clock import utcnow


def get_template(session: Session, key: str, version: int | None = None) -> QuestionTemplate | None:
    query = sa.select(QuestionTemplate).where(QuestionTemplate.key == key)
    if version is not None:
        return session.scalar(query.where(QuestionTemplate.version == version))
    return session.scalar(query.order_by(QuestionTemplate.version.desc()).limit(1))


def latest_version(session: Session, key: str) -> int:
    return session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(QuestionTemplate.version), 0)).where(
            QuestionTemplate.key == key
        )
    )


def add_template(
    session: Session, definition: dict[str, Any], published_by: str | None
) -> QuestionTemplate:
    template = QuestionTemplate(
        key=definition["key"],
        version=definition["version"],
        title=definition["title"],
        definition=definition,
        published_at=utcnow(),
        published_by=published_by,
    )
    session.add(template)
    session.flush()
    return template


def list_templates(session: Session) -> list[QuestionTemplate]:
    return list(
        session.scalars(
            sa.select(QuestionTemplate).order_by(QuestionTemplate.key, QuestionTemplate.version)
        )
    )


def get_enquiry(session: Session, enquiry_id: str) -> Enquiry | None:
    return session.get(Enquiry, enquiry_id)


def add_enquiry(session: Session, enquiry: Enquiry) -> None:
    session.add(enquiry)
    session.flush()


def enquiry_for_request(session: Session, request_id: str) -> Enquiry | None:
    return session.scalar(sa.select(Enquiry).where(Enquiry.request_id == request_id))
