"""Every query of the gateway's own database (services/gateway/models.py).

The functions take a SQLAlchemy session and are plain synchronous code; ``GatewayStore`` runs
them in a worker thread so the event loop never waits on the database.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.gateway.models import CustomerEnquiry, RateCount, SessionRow, SignInLink
from shared.db import insert_ignoring_conflict

# A customer's token names at most this many of their enquiries (the newest).
MAX_ENQUIRIES_PER_CUSTOMER = 50
# An ended session's row is kept this long, so that the browser's next page can say why it ended.
ENDED_SESSIONS_KEPT = timedelta(days=1)
# A page's request moves the idle expiry on at most once a minute (not on every API call).
TOUCH_INTERVAL = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class StoredSession:
    principal: dict[str, Any]
    csrf_token: str
    # The sooner of the idle limit and the longest life.
    expires_at: datetime
    last_seen_at: datetime
    # The longest life's end (SESSION_MAX_HOURS after signing in): nothing moves it.
    longest_at: datetime

    @property
    def extendable(self) -> bool:
        """Whether activity can still move the expiry: not once the longest life decides it."""
        return self.expires_at < self.longest_at


@dataclass(frozen=True)
class EndedSession:
    """Why a session the browser still names has ended: ``idle`` (unused for
    SESSION_IDLE_MINUTES) or ``longest`` (SESSION_MAX_HOURS after signing in), and whose it was
    (``customer`` or ``staff``), so the page can say what to do next."""

    reason: Literal["idle", "longest"]
    kind: str


def _stored(row: SessionRow, longest: timedelta) -> StoredSession:
    return StoredSession(
        dict(row.principal),
        row.csrf_token,
        row.expires_at,
        row.last_seen_at,
        row.created_at + longest,
    )


def create_session(
    db: Session, principal: dict[str, Any], now: datetime, idle: timedelta, longest: timedelta
) -> tuple[str, str]:
    """A new session: (the cookie's random id, the CSRF token for unsafe requests)."""
    session_id, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.add(
        SessionRow(
            id_hash=digest(session_id),
            principal=principal,
            csrf_token=csrf_token,
            created_at=now,
            last_seen_at=now,
            expires_at=min(now + idle, now + longest),
        )
    )
    return session_id, csrf_token


def touch_session(
    db: Session,
    session_id: str,
    now: datetime,
    idle: timedelta,
    longest: timedelta,
    force: bool = False,
) -> StoredSession | None:
    """The session, its idle expiry moved on (never past its longest life); None when there is
    none or it has expired. ``force``: "Stay signed in" moves it on now, whenever it last did.

    An expired row is left for ``purge_expired`` (``ended_session`` says why it ended)."""
    row = db.get(SessionRow, digest(session_id))
    if row is None or row.expires_at <= now:
        return None
    # Written at most once a minute: a page of API calls does not write on every one.
    if force or now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        row.expires_at = min(now + idle, row.created_at + longest)
    return _stored(row, longest)


def read_session(
    db: Session, session_id: str, now: datetime, longest: timedelta
) -> StoredSession | None:
    """The session as it stands, not moved on: asking how long is left is not activity (the
    timeout warning asks while the person does nothing). None when none or expired."""
    row = db.get(SessionRow, digest(session_id))
    if row is None or row.expires_at <= now:
        return None
    return _stored(row, longest)


def ended_session(
    db: Session, session_id: str, now: datetime, longest: timedelta
) -> EndedSession | None:
    """Why the session this id named has ended; None when it has not, or is unknown (never
    was, signed out, or ended longer ago than ``ENDED_SESSIONS_KEPT``)."""
    row = db.get(SessionRow, digest(session_id))
    if row is None or row.expires_at > now:
        return None
    # Touched or not, an expiry that reached the longest life ended by it.
    reason: Literal["idle", "longest"] = (
        "longest" if row.expires_at >= row.created_at + longest - timedelta(seconds=1) else "idle"
    )
    return EndedSession(reason, "customer" if row.principal.get("kind") == "customer" else "staff")


def end_session(db: Session, session_id: str) -> None:
    db.execute(sa.delete(SessionRow).where(SessionRow.id_hash == digest(session_id)))


def create_sign_in_link(db: Session, customer: str, now: datetime, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    db.add(
        SignInLink(
            token_hash=digest(token), customer=customer, created_at=now, expires_at=now + lifetime
        )
    )
    return token


LinkProblem = Literal["unknown", "used", "expired"]


def redeem_sign_in_link(db: Session, token: str, now: datetime) -> str | LinkProblem:
    """The customer the link signs in, marking it used; or why it does not. One conditional
    UPDATE: of two replicas redeeming the same link at once, one wins."""
    token_hash = digest(token)
    used = db.execute(
        sa.update(SignInLink)
        .where(
            SignInLink.token_hash == token_hash,
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(SignInLink.customer)
    ).scalar_one_or_none()
    if used is not None:
        return used
    row = db.get(SignInLink, token_hash)
    if row is None:
        return "unknown"
    return "used" if row.used_at is not None else "expired"


def record_customer_enquiry(
    db: Session, customer: str, enquiry_id: str, now: datetime, case_id: str | None = None
) -> None:
    insert_ignoring_conflict(
        db,
        CustomerEnquiry.__table__,
        {"customer": customer, "enquiry_id": enquiry_id, "case_id": case_id, "created_at": now},
    )
    if case_id is not None:
        db.execute(
            sa.update(CustomerEnquiry)
            .where(CustomerEnquiry.customer == customer, CustomerEnquiry.enquiry_id == enquiry_id)
            .values(case_id=case_id)
        )


def customer_enquiries(db: Session, customer: str) -> list[tuple[str, str | None]]:
    """(enquiry id, case id or None), newest first."""
    rows = db.execute(
        sa.select(CustomerEnquiry.enquiry_id, CustomerEnquiry.case_id)
        .where(CustomerEnquiry.customer == customer)
        .order_by(CustomerEnquiry.created_at.desc(), CustomerEnquiry.enquiry_id)
        .limit(MAX_ENQUIRIES_PER_CUSTOMER)
    )
    return [(enquiry_id, case_id) for enquiry_id, case_id in rows]


def count_request(db: Session, bucket: str, window_seconds: int, now: datetime) -> tuple[int, int]:
    """Counts one request in ``bucket``'s current window: (requests so far in it, seconds until
    it ends)."""
    epoch = int(now.timestamp())
    window_start = epoch - epoch % window_seconds
    key = {"bucket": bucket, "window_start": window_start}
    insert_ignoring_conflict(db, RateCount.__table__, {**key, "count": 0})
    db.execute(
        sa.update(RateCount)
        .where(RateCount.bucket == bucket, RateCount.window_start == window_start)
        .values(count=RateCount.count + 1)
    )
    count = db.execute(
        sa.select(RateCount.count).where(
            RateCount.bucket == bucket, RateCount.window_start == window_start
        )
    ).scalar_one()
    return count, window_start + window_seconds - epoch


def purge_expired(db: Session, now: datetime, longest_window_seconds: int) -> None:
    db.execute(sa.delete(SessionRow).where(SessionRow.expires_at <= now - ENDED_SESSIONS_KEPT))
    db.execute(sa.delete(SignInLink).where(SignInLink.expires_at <= now - timedelta(days=1)))
    oldest = int(now.timestamp()) - longest_window_seconds
    db.execute(sa.delete(RateCount).where(RateCount.window_start < oldest))
