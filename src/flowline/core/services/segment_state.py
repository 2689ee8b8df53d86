"""Who is in which segment, recomputed for the profiles a change touches.

Evaluation reads the profiles' properties, their per-event counters and — only for conditions
with `where` or `within` — their own events of those names (through an index). It never scans
the event log as a whole.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import bindparam, delete, insert
from sqlmodel import Session, col, select

from flowline.core.models.events import Event, EventCounter
from flowline.core.models.segments import Segment, SegmentMembership
from flowline.definitions.segments import (
    ProfileFacts,
    SegmentRule,
    evaluate,
    has_time_window,
    log_windows,
    rule_event_names,
    wider_window,
)

_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class CompiledSegment:
    id: int
    rule: SegmentRule
    # Event names whose individual events the rule reads, and how far back (None: all).
    log_windows: dict[str, timedelta | None]
    time_window: bool


@dataclass
class Transitions:
    entered: list[tuple[str, int]] = field(default_factory=list)  # (profile_id, segment_id)
    left: list[tuple[str, int]] = field(default_factory=list)


_compiled: dict[tuple[int, datetime], CompiledSegment] = {}


def compiled_segments(session: Session) -> list[CompiledSegment]:
    """All segments, parsed once per version (keyed by id and `updated_at`)."""
    result = []
    for segment in session.exec(select(Segment).order_by(col(Segment.id))):
        assert segment.id is not None
        key = (segment.id, segment.updated_at)
        if key not in _compiled:
            rule = SegmentRule.model_validate(segment.rule)
            _compiled[key] = CompiledSegment(
                segment.id, rule, log_windows(rule), has_time_window(rule)
            )
        result.append(_compiled[key])
    return result


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def load_facts(
    session: Session,
    properties: dict[str, dict[str, Any]],
    segments: list[CompiledSegment],
    now: datetime,
) -> dict[str, ProfileFacts]:
    ids = sorted(properties)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    events: dict[str, dict[str, list[tuple[datetime, dict[str, Any]]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    reach = _log_reach(segments)
    unbounded = sorted(name for name, window in reach.items() if window is None)
    bounded = {name: window for name, window in reach.items() if window is not None}
    since = now - max(bounded.values()) if bounded else now
    for chunk in _chunks(ids):
        for pid, name, count in session.exec(
            select(EventCounter.profile_id, EventCounter.name, EventCounter.count).where(
                col(EventCounter.profile_id).in_(chunk)
            )
        ):
            counts[pid][name] = count
        queries = []
        if unbounded:
            queries.append(_events_of(chunk, unbounded))
        if bounded:
            queries.append(_events_of(chunk, sorted(bounded)).where(col(Event.timestamp) >= since))
        for query in queries:
            for pid, name, timestamp, props in session.exec(query):
                events[pid][name].append((timestamp, cast(dict[str, Any], props)))
    return {
        pid: ProfileFacts(properties=properties[pid], counts=counts[pid], events=events[pid])
        for pid in ids
    }


def _log_reach(segments: list[CompiledSegment]) -> dict[str, timedelta | None]:
    reach: dict[str, timedelta | None] = {}
    for segment in segments:
        for name, window in segment.log_windows.items():
            reach[name] = wider_window(reach.get(name, window), window, name in reach)
    return reach


def _events_of(profile_ids: list[str], names: list[str]) -> Any:
    return select(Event.profile_id, Event.name, Event.timestamp, Event.properties).where(
        col(Event.profile_id).in_(profile_ids), col(Event.name).in_(names)
    )


def memberships(session: Session, profile_ids: list[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for chunk in _chunks(profile_ids):
        for pid, sid in session.exec(
            select(SegmentMembership.profile_id, SegmentMembership.segment_id).where(
                col(SegmentMembership.profile_id).in_(chunk)
            )
        ):
            found[pid].add(sid)
    return found


def recompute(
    session: Session,
    properties: dict[str, dict[str, Any]],
    now: datetime,
    segments: list[CompiledSegment] | None = None,
) -> Transitions:
    """Re-evaluate every segment for these profiles and store who entered and who left."""
    segments = compiled_segments(session) if segments is None else segments
    transitions = Transitions()
    if not segments or not properties:
        return transitions
    facts = load_facts(session, properties, segments, now)
    before = memberships(session, sorted(properties))
    for pid, profile_facts in facts.items():
        was = before.get(pid, set())
        for segment in segments:
            member = evaluate(segment.rule, profile_facts, now)
            if member and segment.id not in was:
                transitions.entered.append((pid, segment.id))
            elif not member and segment.id in was:
                transitions.left.append((pid, segment.id))
    if transitions.entered:
        session.execute(
            insert(SegmentMembership),
            [{"segment_id": s, "profile_id": p, "since": now} for p, s in transitions.entered],
        )
    if transitions.left:
        # One executemany on the table: ORM deletes one by one would scan the session each time.
        table = SegmentMembership.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            delete(table).where(
                table.c.segment_id == bindparam("sid"), table.c.profile_id == bindparam("pid")
            ),
            [{"sid": s, "pid": p} for p, s in transitions.left],
        )
    return transitions


def candidates_for_time_windows(session: Session, segments: list[CompiledSegment]) -> list[str]:
    """Profiles whose membership time alone may change: members, and who performed the events."""
    ids: set[str] = set()
    for segment in segments:
        ids.update(
            session.exec(
                select(SegmentMembership.profile_id).where(
                    SegmentMembership.segment_id == segment.id
                )
            )
        )
        names = rule_event_names(segment.rule)
        if names:
            ids.update(
                session.exec(
                    select(EventCounter.profile_id)
                    .where(col(EventCounter.name).in_(names))
                    .distinct()
                )
            )
    return sorted(ids)
