"""What a batch stores: merged profile properties, the events not seen before, their counters."""

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, text, update
from sqlmodel import Session

from flowline.core.models.event_schemas import EventIn
from flowline.core.models.events import Event, EventCounter
from flowline.core.models.profiles import Profile
from flowline.core.services.ingestion.triggers import NewEvent
from flowline.core.services.sql import existing_pairs, insert_rows, on_postgresql, table_of
from flowline.definitions.identifiers import ProfileId


def merge_properties(
    session: Session,
    stored: dict[str, dict[str, Any]],
    changes: dict[ProfileId, dict[str, Any]],
    now: datetime,
) -> None:
    """Merge changes into the stored properties (`null` removes one) and write them back."""
    rows = []
    for pid, change in changes.items():
        merged = {**stored[pid], **change}
        stored[pid] = {k: v for k, v in merged.items() if v is not None}
        rows.append({"pid": pid, "properties": stored[pid], "updated_at": now})
    if rows:
        table = table_of(Profile)
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("pid"))
            .values(properties=bindparam("properties"), updated_at=bindparam("updated_at")),
            rows,
        )


def new_events(session: Session, events: list[EventIn]) -> list[EventIn]:
    """Events whose message id this profile has not sent before (nor earlier in the batch)."""
    pairs = sorted({(e.profile_id, e.message_id) for e in events if e.message_id})
    # (profile_id, message_id) pairs: each one lookup in the unique index.
    seen = existing_pairs(session, table_of(Event), ("profile_id", "message_id"), pairs)
    fresh = []
    for event in events:
        if event.message_id:
            key = (event.profile_id, event.message_id)
            if key in seen:
                continue
            seen.add(key)
        fresh.append(event)
    return fresh


def store_events(session: Session, events: list[EventIn], now: datetime) -> list[NewEvent]:
    if not events:
        return []
    rows = [
        {
            "profile_id": e.profile_id,
            "name": e.name,
            "properties": e.properties,
            "timestamp": e.timestamp or now,
            "message_id": e.message_id,
            "received_at": now,
        }
        for e in events
    ]
    ids = _insert_events(session, rows)
    counters: Counter[tuple[str, str]] = Counter((e.profile_id, e.name) for e in events)
    # Sorted: batches updating the same counters take their row locks in the same order.
    insert_rows(
        session,
        table_of(EventCounter),
        [
            {"profile_id": p, "name": n, "count": c, "last_at": now}
            for (p, n), c in sorted(counters.items())
        ],
        conflict=("profile_id", "name"),
        add=("count",),
        replace=("last_at",),
    )
    return [
        NewEvent(i, e.profile_id, e.name, e.properties, e.timestamp or now, now)
        for i, e in zip(ids, events, strict=True)
    ]


_INSERT_RETURNING_IDS = insert(table_of(Event)).returning(
    table_of(Event).c.id, sort_by_parameter_order=True
)


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the events; returns their ids, in the order of `rows`."""
    if not on_postgresql(session):
        return list(session.connection().execute(_INSERT_RETURNING_IDS, rows).scalars())
    # Ids drawn first, then one INSERT of the batch: RETURNING would not promise the row order.
    ids = sorted(
        session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": len(rows)},
        ).scalars()
    )
    insert_rows(
        session, table_of(Event), [{"id": i, **row} for i, row in zip(ids, rows, strict=True)]
    )
    return ids
