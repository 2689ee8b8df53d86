"""One-time links that set a password: for a new user (72 hours) or a reset (1 hour).

The token is random and stored only as its SHA-256; it works once, before it expires, and
only for a user who is not disabled. Setting a password through it ends the user's other
sessions (whoever had the old password is signed out) and every other link of theirs.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from flowline.core.errors import NotFound
from flowline.core.models.users import TokenPurpose, User, UserToken
from flowline.core.services.users.passwords import hash_password
from flowline.core.services.users.sessions import revoke_sessions, token_hash
from flowline.core.timestamps import utcnow

LIFETIMES: dict[str, timedelta] = {
    "set_password": timedelta(hours=72),
    "invite": timedelta(hours=72),
    # A reset link goes to a mailbox that may be read by others later: short-lived.
    "reset": timedelta(hours=1),
}
LINK_PATH = "/set-password/"
# Reset links mailed to one account per hour: "Forgot password?" cannot flood a mailbox.
RESETS_PER_HOUR = 3


class LinkNotUsable(NotFound):
    """Unknown, used, expired, or for a disabled user: all the same to whoever holds it."""

    def __init__(self) -> None:
        super().__init__(
            "This link does not work any more: it was used already or it expired. "
            "Ask an admin for a new invitation, or use “Forgot password?” on the sign-in page."
        )


def new_token() -> str:
    return secrets.token_urlsafe(32)


def issue_link(
    session: Session,
    user: User,
    purpose: TokenPurpose,
    token: str | None = None,
    now: datetime | None = None,
) -> str:
    """A one-time token for `user` (new, or one already mailed); put it in a link with
    `link_for`."""
    now = now or utcnow()
    token = token or new_token()
    assert user.id is not None
    session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_hash(token),
            expires_at=now + LIFETIMES[purpose],
            created_at=now,
        )
    )
    session.flush()
    return token


def may_mail_reset(session: Session, user: User, now: datetime | None = None) -> bool:
    """Whether another reset link may be mailed to `user`: fewer than `RESETS_PER_HOUR` in the
    last hour (the links' own rows are the count; a used one still counts)."""
    since = (now or utcnow()) - timedelta(hours=1)
    recent = session.exec(
        select(func.count())
        .select_from(UserToken)
        .where(
            col(UserToken.user_id) == user.id,
            col(UserToken.purpose) == "reset",
            col(UserToken.created_at) > since,
        )
    ).one()
    return recent < RESETS_PER_HOUR


def link_for(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{LINK_PATH}{token}"


def usable_link(
    session: Session, token: str, now: datetime | None = None
) -> tuple[UserToken, User]:
    now = now or utcnow()
    row = session.exec(
        select(UserToken, User)
        .join(User, col(User.id) == col(UserToken.user_id))
        .where(UserToken.token_hash == token_hash(token[:200]))
    ).first()
    if row is None:
        raise LinkNotUsable()
    link, user = row
    if link.used_at is not None or link.expires_at <= now or user.disabled:
        raise LinkNotUsable()
    return link, user


def set_password_with_link(
    session: Session, token: str, password: str, now: datetime | None = None
) -> User:
    """Use the link once: the password is set, the user's sessions and other links end.

    The UPDATE claims the link only while it is unused, so two tabs racing use it once."""
    now = now or utcnow()
    link, user = usable_link(session, token, now)
    claimed = session.execute(
        update(UserToken)
        .where(col(UserToken.id) == link.id, col(UserToken.used_at).is_(None))
        .values(used_at=now)
    )
    if not getattr(claimed, "rowcount", 0):
        raise LinkNotUsable()
    session.execute(
        update(UserToken)
        .where(col(UserToken.user_id) == user.id, col(UserToken.used_at).is_(None))
        .values(used_at=now)
    )
    assert user.id is not None
    revoke_sessions(session, user.id, now)
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    return user
