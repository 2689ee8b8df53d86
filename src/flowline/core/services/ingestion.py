"""Ingestion: events and profile changes, their segment transitions and the intents they cause,
all in ONE transaction (the transactional outbox). Work is done per batch, not per event: a few
statements whatever the batch size.
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import bindparam, insert, text, update
from sqlmodel import Session, col, select

from flowline.core.errors import PayloadTooLarge
from flowline.core.metrics import count_events_on_commit
from flowline.core.models.events import Event, EventCounter
from flowline.core.models.profiles import Profile
from flowline.core.services.batch_sql import (
    existing_pairs,
    insert_rows,
    on_postgresql,
    one_of,
    plain_rows,
)
from flowline.core.services.condition_counters import count_new_events, lock_for_ingestion
from flowline.core.services.outbox import add_intents
from flowline.core.services.segment_state import (
    candidates_for_time_windows,
    compiled_segments,
    counted_conditions_of,
    recompute,
)
from flowline.core.services.triggers import (
    NewEvent,
    active_enrollments,
    enrollment_intents,
    event_wait_intents,
    goal_intents,
    live_workflows,
)
from flowline.core.timestamps import utcnow
from flowline.definitions.identifiers import ProfileId
from flowline.definitions.properties import Properties
from flowline.definitions.triggers import EventName

MAX_BATCH = 1000


EARLIEST_EVENT = datetime(1970, 1, 1, tzinfo=UTC)
_ISO_DATE_START = re.compile(r"\d{4}-")
LATEST_EVENT_AHEAD = timedelta(hours=24)
"""How far in the future an event may be dated (clocks of other services drift)."""


class EventIn(BaseModel):
    profile_id: ProfileId
    name: EventName
    properties: Properties = Field(default_factory=dict)
    timestamp: datetime | None = Field(
        default=None,
        description="When it happened (default: now); between 1970-01-01T00:00:00Z and 24 hours "
        "from now. Without a zone it is taken as UTC.",
    )
    message_id: str | None = Field(default=None, min_length=1, max_length=255)

    @field_validator("timestamp", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # pydantic would also take a number, or a string of digits ("1700000000"), as Unix time;
        # the document says an ISO-8601 date-time string, which starts with a year and a dash.
        if value is None or isinstance(value, datetime):
            return value
        if not isinstance(value, str) or not _ISO_DATE_START.match(value):
            raise ValueError(
                "timestamp must be an ISO-8601 date-time string such as 2024-05-01T12:00:00Z "
                "(not a Unix time)"
            )
        return value

    @field_validator("timestamp")
    @classmethod
    def _aware_and_plausible(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        # Compared before converting: a zone near datetime.max/min would overflow in UTC.
        if not EARLIEST_EVENT <= value <= utcnow() + LATEST_EVENT_AHEAD:
            raise ValueError("timestamp must be between 1970-01-01 and 24 hours from now")
        return value.astimezone(UTC)


class EventBatchIn(BaseModel):
    events: list[EventIn] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} events"
    )

    @model_validator(mode="before")
    @classmethod
    def _at_most_max_batch(cls, data: Any) -> Any:
        # Counted before any event is validated; too many is 413, like a body over the limit.
        events = data.get("events") if isinstance(data, dict) else None
        if isinstance(events, list) and len(events) > MAX_BATCH:
            raise PayloadTooLarge(f"a batch holds at most {MAX_BATCH} events, not {len(events)}")
        return data


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


def _table(model: Any) -> Any:
    return model.__table__


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
        _table(Profile),
        [{"id": pid, "properties": {}, "created_at": now, "updated_at": now} for pid in ids],
        conflict=("id",),
    )
    return _locked_properties(session, ids)


def _locked_properties(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The profiles' properties, their rows locked in id order (PostgreSQL; SQLite is locked
    as a whole from the start of the transaction)."""
    query = (
        select(Profile.id, Profile.properties)
        .where(one_of(session, col(Profile.id), ids))
        .order_by(col(Profile.id))
    )
    if on_postgresql(session):
        query = query.with_for_update()
    return {pid: dict(properties) for pid, properties in plain_rows(session, query)}


def _merge_properties(
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
        table = Profile.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("pid"))
            .values(properties=bindparam("properties"), updated_at=bindparam("updated_at")),
            rows,
        )


def _new_events(session: Session, events: list[EventIn]) -> list[EventIn]:
    """Events whose message id this profile has not sent before (nor earlier in the batch)."""
    pairs = sorted({(e.profile_id, e.message_id) for e in events if e.message_id})
    # (profile_id, message_id) pairs: each one lookup in the unique index.
    seen = existing_pairs(session, _table(Event), ("profile_id", "message_id"), pairs)
    fresh = []
    for event in events:
        if event.message_id:
            key = (event.profile_id, event.message_id)
            if key in seen:
                continue
            seen.add(key)
        fresh.append(event)
    return fresh


def _store_events(session: Session, events: list[EventIn], now: datetime) -> list[NewEvent]:
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
        _table(EventCounter),
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


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the events; returns their ids, in the order of `rows`."""
    if not on_postgresql(session):
        return list(session.execute(insert(Event).returning(col(Event.id)), rows).scalars())
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
        session, _table(Event), [{"id": i, **row} for i, row in zip(ids, rows, strict=True)]
    )
    return ids


def apply_changes(
    session: Session,
    *,
    events: list[EventIn] = (),  # type: ignore[assignment]
    properties: dict[ProfileId, dict[str, Any]] | None = None,
    now: datetime | None = None,
    not_starting: tuple[int, ProfileId] | None = None,
) -> IngestResult:
    """Store events and property changes, then segment transitions and intents, in one go.

    `not_starting` (workflow id, profile id): a change an enrollment makes itself never starts
    that same workflow for that profile again.
    """
    now = now or utcnow()
    properties = properties or {}
    lock_for_ingestion(session)
    segments = compiled_segments(session)
    profiles = lock_profiles(session, [e.profile_id for e in events] + list(properties), now)
    _merge_properties(session, profiles, properties, now)
    fresh = _new_events(session, list(events))
    stored = _store_events(session, fresh, now)
    count_new_events(
        session,
        counted_conditions_of(segments),
        ((e.profile_id, e.name, e.properties) for e in stored),
    )
    transitions = recompute(session, profiles, now, segments)
    workflows = live_workflows(session)
    intents = enrollment_intents(workflows, stored, transitions)
    if not_starting is not None:
        workflow_id, profile_id = not_starting
        intents = [
            (kind, payload)
            for kind, payload in intents
            if (payload["workflow_id"], payload["profile_id"]) != (workflow_id, profile_id)
        ]
    running = active_enrollments(
        session, {e.profile_id for e in stored} | {pid for pid, _ in transitions.entered}
    )
    intents += goal_intents(workflows, running, stored, transitions, now)
    intents += event_wait_intents(running, stored)
    add_intents(session, intents)
    count_events_on_commit(session, len(fresh))
    return IngestResult(accepted=len(fresh), duplicates=len(events) - len(fresh))


def refresh_time_windows(session: Session, now: datetime | None = None) -> int:
    """Re-evaluate the segments whose rules have `within`: time alone moves profiles in or out.

    Returns how many transitions it found. Called periodically (a Temporal Schedule).
    """
    now = now or utcnow()
    lock_for_ingestion(session)
    segments = compiled_segments(session)
    timed = [s for s in segments if s.time_window]
    changed = 0
    ids = candidates_for_time_windows(session, timed)
    workflows = live_workflows(session) if ids else []
    for start in range(0, len(ids), 500):
        profiles = _locked_properties(session, ids[start : start + 500])
        transitions = recompute(session, profiles, now, segments)
        intents = enrollment_intents(workflows, [], transitions)
        running = active_enrollments(session, {pid for pid, _ in transitions.entered})
        intents += goal_intents(workflows, running, [], transitions, now)
        add_intents(session, intents)
        changed += len(transitions.entered) + len(transitions.left)
    return changed
