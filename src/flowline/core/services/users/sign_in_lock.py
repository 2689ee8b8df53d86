"""Slowing down password guessing: 5 failures for one address within 15 minutes lock it for
15 minutes, whether or not anyone has that address (the answer must not tell).

One row per address (a keyed hash of it, so an address nobody has is not stored as typed):
the failures counted in a window that starts at the first failure, and the lock they set.
"""

import hashlib
import hmac
import math
from datetime import datetime, timedelta

from sqlmodel import Session

from flowline.core.errors import FlowlineError
from flowline.core.models.users import SignInLock
from flowline.core.timestamps import utcnow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


class SignInLocked(FlowlineError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Too many failed sign-ins for this address: wait "
            f"{math.ceil(retry_after / 60)} minutes and try again, or reset your password."
        )
        self.retry_after = retry_after


def address_key(secret: bytes, email: str) -> str:
    return hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()


def check_not_locked(session: Session, key: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    lock = session.get(SignInLock, key)
    if lock is not None and lock.locked_until is not None and lock.locked_until > now:
        raise SignInLocked(max(1, math.ceil((lock.locked_until - now).total_seconds())))


def record_failure(session: Session, key: str, now: datetime | None = None) -> None:
    """Count a failure; the fifth in the window locks the address."""
    now = now or utcnow()
    lock = session.get(SignInLock, key)
    if lock is None:
        lock = SignInLock(address_hash=key, failures=0, window_started_at=now)
    if lock.window_started_at + WINDOW <= now:
        lock.failures, lock.window_started_at, lock.locked_until = 0, now, None
    lock.failures += 1
    if lock.failures >= MAX_FAILURES:
        lock.failures, lock.window_started_at, lock.locked_until = 0, now, now + LOCK
    session.add(lock)
    session.flush()


def clear_failures(session: Session, key: str) -> None:
    lock = session.get(SignInLock, key)
    if lock is not None:
        session.delete(lock)
        session.flush()
