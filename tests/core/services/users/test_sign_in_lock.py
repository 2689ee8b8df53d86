"""The lock on an address: 5 failures in the 15 minutes after the first lock it for 15 minutes;
failures spread wider than that never do; a success clears the count."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.services.users.sign_in_lock import (
    SignInLocked,
    check_not_locked,
    clear_failures,
    record_failure,
)

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
KEY = "a" * 64


def _fail(session: Session, *minutes: float) -> None:
    for minute in minutes:
        record_failure(session, KEY, T0 + timedelta(minutes=minute))


def test_the_fifth_failure_within_15_minutes_locks_for_15_minutes(engine: Engine) -> None:
    with Session(engine) as session:
        _fail(session, 0, 1, 2, 3)
        check_not_locked(session, KEY, T0 + timedelta(minutes=4))  # four: not yet
        _fail(session, 14)

        with pytest.raises(SignInLocked) as locked:
            check_not_locked(session, KEY, T0 + timedelta(minutes=14, seconds=30))
        assert locked.value.retry_after == 870 and locked.value.status_code == 429
        check_not_locked(session, KEY, T0 + timedelta(minutes=29, seconds=1))


def test_failures_spread_over_more_than_15_minutes_never_lock(engine: Engine) -> None:
    with Session(engine) as session:
        _fail(session, 0, 5, 10, 14, 16, 20, 25, 29, 32)

        check_not_locked(session, KEY, T0 + timedelta(minutes=33))


def test_a_success_clears_the_count(engine: Engine) -> None:
    with Session(engine) as session:
        _fail(session, 0, 1, 2, 3)
        clear_failures(session, KEY)
        _fail(session, 4, 5, 6, 7)

        check_not_locked(session, KEY, T0 + timedelta(minutes=8))
