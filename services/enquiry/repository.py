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


def add_template_if_missing(session: Session, definition: dict[str, Any]) -> bool:
    """Published versions never change, so loading a file twice is a no-op."""
    if get_template(session, definition["key"], definition["version"]) is not None:
        return False
    session.add(
        QuestionTemplate(
            key=definition["key"],
            version=definition["version"],
            title=definition["title"],
            definition=definition,
            published_at=utcnow(),
        )
    )
    return True


def get_enquiry(session: Session, enquiry_id: str) -> Enquiry | None:
    return session.get(Enquiry, enquiry_id)


def add_enquiry(session: Session, enquiry: Enquiry) -> None:
    session.add(enquiry)
    session.flush()
