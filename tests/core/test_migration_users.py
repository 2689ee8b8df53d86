"""Revision 0018 adds the users, their links, sessions and sign-in locks; going back removes
them and nothing else."""

import sqlalchemy as sa
from sqlalchemy import Engine

from tests.support.migrations import downgrade_to, upgrade_to

TABLES = {"users", "user_tokens", "user_sessions", "sign_in_locks"}


def _tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_adds_the_user_tables_and_downgrade_removes_them(empty_engine: Engine) -> None:
    upgrade_to(empty_engine, "0017_engagement_experiments")
    before = _tables(empty_engine)

    upgrade_to(empty_engine, "0018_users")
    added = _tables(empty_engine) - before
    downgrade_to(empty_engine, "0017_engagement_experiments")

    assert added == TABLES
    assert _tables(empty_engine) == before
