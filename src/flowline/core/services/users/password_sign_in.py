"""Signing in with an address and a password: the same answer, after the same work, whether
the address is unknown, the password wrong or the user disabled."""

from datetime import datetime

from sqlmodel import Session

from flowline.core.models.users import User
from flowline.core.services.users.accounts import find_user_by_email
from flowline.core.services.users.passwords import hash_password, needs_rehash, password_matches
from flowline.core.services.users.sign_in_lock import (
    address_key,
    check_not_locked,
    clear_failures,
    record_failure,
)
from flowline.core.timestamps import utcnow
from flowline.definitions.mailbox import single_mailbox


def password_sign_in(
    session: Session, secret: bytes, typed_email: str, password: str, now: datetime | None = None
) -> User | None:
    """The user, or None after counting a failure; `SignInLocked` (429) while locked.

    Returns rather than raises on a failure: the caller commits, so the failure counts."""
    now = now or utcnow()
    email = (single_mailbox(typed_email) or typed_email.strip()).lower()[:254]
    key = address_key(secret, email)
    check_not_locked(session, key, now)
    user = find_user_by_email(session, email)
    matches = password_matches(user.password_hash if user else None, password)
    if user is None or user.disabled or not matches:
        record_failure(session, key, now)
        return None
    clear_failures(session, key)
    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
