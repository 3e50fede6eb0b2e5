"""The gateway's own database: who is signed in, customers' sign-in links and what they own, and
rate-limit counters. Shared by every gateway replica, so a sign-in link is used once and a limit
holds across them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime


class Base(DeclarativeBase):
    pass


metadata = Base.metadata


class SessionRow(Base):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 is stored, so a copy
    of this table signs nobody in."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # Principal.to_dict(): subject, actor, roles, team, kind. No names or email addresses.
    principal: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class SignInLink(Base):
    """A customer's single-use sign-in link: the SHA-256 of its random token, the keyed hash of
    the email address it was sent to (never the address), and when it was used."""

    __tablename__ = "sign_in_links"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    customer: Mapped[str] = mapped_column(sa.String(80), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CustomerEnquiry(Base):
    """An enquiry a customer started through the gateway, and its case once it has one: what the
    identity token minted for that customer names, so the services let them see it."""

    __tablename__ = "customer_enquiries"

    customer: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    enquiry_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RateCount(Base):
    """Requests of one kind from one client in one fixed window."""

    __tablename__ = "rate_counts"

    bucket: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    window_start: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
