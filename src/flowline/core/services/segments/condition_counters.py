"""Per-condition counters: how many of a profile's events meet each segment condition with a
`where` and no `within` (a "counted" condition), kept up to date at ingestion.

With them, segment evaluation reads the event log only for `within` conditions: a `where`
condition costs one counter row per profile instead of all the profile's events of that name,
so ingestion does not slow down as a profile's history grows.

The set of counted conditions follows the segments (`sync_counted_conditions`, called by every
segment change): a condition new to the installation is counted from the stored events once,
and a condition no segment uses any more is dropped with its counters.

On PostgreSQL, ingestion and that sync exclude each other through an advisory lock (shared for
ingestion, exclusive for the sync): events stored while a new condition is counted from the log
are neither missed nor counted twice. On SQLite every writer already runs alone.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from flowline.core.models.events import ConditionCounter, CountedCondition, Event
from flowline.core.services.sql import (
    chunks,
    insert_rows,
    on_postgresql,
    one_of,
    plain_rows,
    table_of,
)
from flowline.core.timestamps import utcnow
from flowline.definitions.segments import EventCondition, event_matches

_LOCK_KEY = 7_361_105_001  # the advisory lock between ingestion and the sync
_BACKFILL_ROWS = 5_000  # events read at a time while counting a new condition


def lock_for_ingestion(session: Session) -> None:
    """Hold off a change of the counted conditions until this transaction ends."""
    if on_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": _LOCK_KEY})


def _lock_for_sync(session: Session) -> None:
    if on_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def count_new_events(
    session: Session,
    conditions: dict[str, EventCondition],
    events: Iterable[tuple[str, str, dict[str, Any]]],
) -> None:
    """Add the new `(profile_id, name, properties)` events to the counters they meet."""
    by_event: dict[str, list[tuple[str, EventCondition]]] = {}
    for key, condition in conditions.items():
        by_event.setdefault(condition.event, []).append((key, condition))
    counts: Counter[tuple[str, str]] = Counter()
    for profile_id, name, properties in events:
        for key, condition in by_event.get(name, ()):
            if event_matches(condition, name, properties):
                counts[(profile_id, key)] += 1
    _add(session, counts)


def _add(session: Session, counts: Counter[tuple[str, str]]) -> None:
    # Sorted: two batches touching the same counters take their row locks in the same order.
    rows = [
        {"profile_id": pid, "condition_key": key, "count": n}
        for (pid, key), n in sorted(counts.items())
    ]
    insert_rows(
        session,
        table_of(ConditionCounter),
        rows,
        conflict=("profile_id", "condition_key"),
        add=("count",),
    )


def condition_counts(session: Session, profile_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Each profile's counters, by condition key (a missing one is 0)."""
    found: dict[str, dict[str, int]] = {}
    for chunk in chunks(session, profile_ids):
        query = select(
            ConditionCounter.profile_id, ConditionCounter.condition_key, ConditionCounter.count
        ).where(one_of(session, col(ConditionCounter.profile_id), chunk))
        for pid, key, count in plain_rows(session, query):
            found.setdefault(pid, {})[key] = count
    return found


def sync_counted_conditions(session: Session, wanted: dict[str, EventCondition]) -> None:
    """Make the counted conditions those of `wanted` (every segment's, by key): count the new
    ones from the stored events, drop the ones no segment uses any more."""
    _lock_for_sync(session)
    known = set(session.exec(select(CountedCondition.key)))
    gone = sorted(known - set(wanted))
    if gone:
        session.execute(
            delete(ConditionCounter).where(col(ConditionCounter.condition_key).in_(gone))
        )
        session.execute(delete(CountedCondition).where(col(CountedCondition.key).in_(gone)))
    for key in sorted(set(wanted) - known):
        condition = wanted[key]
        assert condition.where is not None
        session.add(
            CountedCondition(
                key=key,
                event=condition.event,
                where=condition.where.model_dump(mode="json"),
                created_at=utcnow(),
            )
        )
        session.flush()
        _count_stored_events(session, key, condition)


def _count_stored_events(session: Session, key: str, condition: EventCondition) -> None:
    """Count a new condition over the events already stored (once, when a segment first uses
    it; a full pass over the events of that name)."""
    counts: Counter[tuple[str, str]] = Counter()
    query = (
        select(Event.profile_id, Event.properties)
        .where(Event.name == condition.event)
        .execution_options(yield_per=_BACKFILL_ROWS)
    )
    for pid, properties in session.exec(query):
        if event_matches(condition, condition.event, dict(properties)):
            counts[(pid, key)] += 1
    _add(session, counts)
