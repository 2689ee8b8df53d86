"""Profiles locked for a batch: created when missing, locked in id order, properties read after
the lock. Two requests for one profile then run one after the other.
"""

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from flowline.core.models.profiles import Profile
from flowline.core.services.sql import in_values, insert_rows, on_postgresql, table_of


def lock_profiles(
    session: Session, profile_ids: list[str], now: datetime
) -> dict[str, dict[str, Any]]:
    """Create missing profiles and lock all of them, in id order (no deadlocks between batches).

    Two requests for one profile then run one after the other: no counter update is lost and
    no transition is seen twice. (SQLite: the whole transaction holds the write lock.)
    Returns each profile's properties, read after the lock.
    """
    ids = sorted(set(profile_ids))
    insert_rows(
        session,
        table_of(Profile),
        [{"id": pid, "properties": {}, "created_at": now, "updated_at": now} for pid in ids],
        conflict=("id",),
    )
    return locked_properties(session, ids)


def locked_properties(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The profiles' properties, their rows locked in id order (PostgreSQL; SQLite is locked
    as a whole from the start of the transaction)."""
    rows = session.connection().execute(_locked(on_postgresql(session)), {"ids": ids})
    return {pid: dict(properties) for pid, properties in rows}


@cache
def _locked(on_postgres: bool) -> Any:
    """Built once per database kind: building it cost more than running it."""
    profiles = table_of(Profile)
    query = (
        select(profiles.c.id, profiles.c.properties)
        .where(in_values(profiles.c.id, "ids", on_postgres))
        .order_by(profiles.c.id)
    )
    return query.with_for_update() if on_postgres else query
