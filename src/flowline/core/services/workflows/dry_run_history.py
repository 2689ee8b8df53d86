"""The stored history a dry run replays, read a page at a time in (time, id) order.

One keyset-paginated stream per event name (`ix_events_name_time` covers the read unless the
events' properties are needed) and per segment, merged page by page: memory follows the page
size, never the period.
"""

from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import String, and_, literal, or_, type_coerce
from sqlmodel import Session, col, select

from flowline.core.models.events import Event
from flowline.core.models.segments import SegmentMembership
from flowline.core.services.sql import plain_rows
from flowline.definitions.dry_run import (
    DryRunPlan,
    Happening,
    SegmentEntry,
    StoredEvent,
    filtered_event_names,
    replayed_event_names,
    replayed_segments,
)

PAGE = 5000
from_text = datetime.fromisoformat
ORDER = attrgetter("at", "id")
"""Time order; at one moment a segment entry (id 0) before the events, then by event id."""
Pages = Iterator[tuple[list[Happening], bool]]
"""Pages in order, each with whether it is the last."""


def history_pages(session: Session, plan: DryRunPlan) -> Iterator[list[Happening]]:
    """Every happening that matters, in (time, id) order, about a page at a time."""
    page = PAGE
    filtered = filtered_event_names(plan.definition)
    sources: list[Pages] = [
        _event_pages(session, name, plan, page, with_properties=name in filtered)
        for name in replayed_event_names(plan.definition)
    ]
    sources += [
        _entry_pages(session, sid, plan, page) for sid in replayed_segments(plan.definition)
    ]
    yield from _merged(sources)


def _merged(sources: list[Pages]) -> Iterator[list[Happening]]:
    """Merge sorted paged streams: what every stream has read up to the earliest end of a
    page still to be continued is complete, so it can go out, sorted."""
    buffers: list[list[Happening]] = [[] for _ in sources]
    last = [False] * len(sources)
    while True:
        for i, source in enumerate(sources):
            if not buffers[i] and not last[i]:
                buffers[i], last[i] = next(source)
        ends = [ORDER(buffers[i][-1]) for i in range(len(sources)) if not last[i]]
        out: list[Happening] = []
        parts = 0
        for i, buffer in enumerate(buffers):
            cut = bisect_right(buffer, min(ends), key=ORDER) if ends else len(buffer)
            if cut:
                out += buffer[:cut]
                buffers[i] = buffer[cut:]
                parts += 1
        if out:
            if parts > 1:
                out.sort(key=ORDER)
            yield out
        if all(last) and not any(buffers):
            return


def _moment(value: Any) -> datetime:
    """A stored timestamp read raw: SQLite's text (written in UTC), PostgreSQL's datetime."""
    if isinstance(value, str):
        # Not `.replace(tzinfo=UTC)`: ten times slower than reading the offset.
        return datetime.fromisoformat(value + "+00:00")
    assert isinstance(value, datetime)
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _event_pages(
    session: Session, name: str, plan: DryRunPlan, page: int, *, with_properties: bool
) -> Pages:
    # Read raw: the column type's parsing of SQLite's text was most of the cost of a row.
    timestamp = col(Event.timestamp)
    properties = col(Event.properties) if with_properties else literal(None)
    columns = (col(Event.id), col(Event.profile_id), properties, type_coerce(timestamp, String))
    after: tuple[datetime, int] | None = None
    while True:
        # One lower bound on the time: given two, SQLite may start the index range at the
        # period's start on every page.
        if after is None:
            query = select(*columns).where(
                col(Event.name) == name, timestamp >= plan.start, timestamp < plan.end
            )
        else:
            at, last = after
            query = select(*columns).where(
                col(Event.name) == name,
                timestamp >= at,
                timestamp < plan.end,
                or_(timestamp > at, and_(timestamp == at, col(Event.id) > last)),
            )
        rows = plain_rows(session, query.order_by(timestamp, col(Event.id)).limit(page)).all()
        events: list[Happening]
        if rows and isinstance(rows[0][3], str):  # SQLite: the text, in UTC (see `_moment`)
            events = [
                StoredEvent(from_text(raw + "+00:00"), event_id, profile_id, name, values or {})
                for event_id, profile_id, values, raw in rows
            ]
        else:
            events = [
                StoredEvent(_moment(raw), event_id, profile_id, name, values or {})
                for event_id, profile_id, values, raw in rows
            ]
        yield events, len(rows) < page
        if len(rows) < page:
            return
        after = (events[-1].at, events[-1].id)


def _entry_pages(session: Session, segment_id: int, plan: DryRunPlan, page: int) -> Pages:
    """Recorded entries into a segment (memberships' `since`) in the period, in time order."""
    since, profile = col(SegmentMembership.since), col(SegmentMembership.profile_id)
    after: tuple[datetime, str] | None = None
    while True:
        query = select(profile, since).where(
            col(SegmentMembership.segment_id) == segment_id, since < plan.end
        )
        if after is None:
            query = query.where(since >= plan.start)
        else:
            at, last = after
            query = query.where(since >= at, or_(since > at, and_(since == at, profile > last)))
        rows = plain_rows(session, query.order_by(since, profile).limit(page)).all()
        entries: list[Happening] = [SegmentEntry(at, pid, segment_id) for pid, at in rows]
        yield entries, len(rows) < page
        if len(rows) < page:
            return
        after = (rows[-1][1], rows[-1][0])
