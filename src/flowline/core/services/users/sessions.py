"""Server-side sessions: the cookie carries a random id, the table its user and its state.

A session ends when it is revoked ("Sign out", "Sign out everywhere", a password reset), when
its user is disabled or removed (checked on every request), or 12 hours after it began.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from flowline.core.models.users import User, UserSession
from flowline.core.timestamps import utcnow

SESSION_LIFETIME = timedelta(hours=12)
# `last_seen_at` is for people ("still signed in?"): one write a minute keeps a page view a read.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class ActiveSession:
    session_id: int
    user_id: int
    email: str
    name: str
    role: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, now: datetime | None = None) -> str:
    """A new session for `user`; returns the id for the cookie (stored only as its hash)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    assert user.id is not None
    session.add(
        UserSession(user_id=user.id, token_hash=token_hash(token), created_at=now, last_seen_at=now)
    )
    user.last_sign_in_at = now
    session.add(user)
    session.flush()
    return token


def active_session(
    session: Session, token: str, now: datetime | None = None
) -> ActiveSession | None:
    """The live session with this id and its (enabled) user, or None."""
    now = now or utcnow()
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == col(UserSession.user_id))
        .where(UserSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    user_session, user = row
    if user_session.revoked_at is not None or user.disabled:
        return None
    if user_session.created_at + SESSION_LIFETIME <= now:
        return None
    assert user_session.id is not None and user.id is not None
    return ActiveSession(user_session.id, user.id, user.email, user.name, user.role)


def needs_seen_recorded(session: Session, active: ActiveSession, now: datetime) -> bool:
    seen = session.exec(
        select(UserSession.last_seen_at).where(UserSession.id == active.session_id)
    ).first()
    return seen is None or seen <= now - LAST_SEEN_RESOLUTION


def record_seen(session: Session, active: ActiveSession, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.execute(
        update(UserSession)
        .where(
            col(UserSession.id) == active.session_id,
            col(UserSession.last_seen_at) <= now - LAST_SEEN_RESOLUTION,
        )
        .values(last_seen_at=now)
    )


def end_session(session: Session, token: str, now: datetime | None = None) -> None:
    session.execute(
        update(UserSession)
        .where(col(UserSession.token_hash) == token_hash(token))
        .values(revoked_at=now or utcnow())
    )


def revoke_sessions(session: Session, user_id: int, now: datetime | None = None) -> int:
    """End every open session of the user ("Sign out everywhere"); returns how many."""
    result = session.execute(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=now or utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
