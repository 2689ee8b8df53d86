"""Reset links per account and hour: at most `RESETS_PER_HOUR`, counted over the last hour."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.models.users import User
from flowline.core.services.users.one_time_links import (
    RESETS_PER_HOUR,
    issue_link,
    may_mail_reset,
)
from tests.web.user_accounts import make_user

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_a_fourth_reset_link_within_the_hour_is_refused_and_allowed_again_after_it(
    engine: Engine,
) -> None:
    ann = make_user(engine, "ann@example.com", "viewer")
    bob = make_user(engine, "bob@example.com", "viewer")
    with Session(engine) as session:
        user, other = session.get_one(User, ann), session.get_one(User, bob)
        issue_link(session, user, "invite", now=T0)  # other purposes do not count
        for minute in range(RESETS_PER_HOUR):
            assert may_mail_reset(session, user, T0 + timedelta(minutes=minute))
            issue_link(session, user, "reset", now=T0 + timedelta(minutes=minute))

        assert RESETS_PER_HOUR == 3
        assert not may_mail_reset(session, user, T0 + timedelta(minutes=59))
        assert may_mail_reset(session, other, T0 + timedelta(minutes=59))  # per account
        # An hour after the first, one link is out of the count again.
        assert may_mail_reset(session, user, T0 + timedelta(minutes=60, seconds=1))
