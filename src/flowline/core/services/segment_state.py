"""Who is in which segment, recomputed for the profiles a change touches.

Evaluation reads the profiles' properties, their per-event counters and — only for conditions
with `where` or `within` — their own events of those names (through an index). It never scans
the event log as a whole.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from flowline.core.models.events import Event, EventCounter
from flowline.core.models.segments import Segment, SegmentMembership
from flowline.definitions.segments import (
    ProfileFacts,
    SegmentRule,
    evaluate,
    log_event_names,
    max_window,
    rule_event_names,
)

_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class CompiledSegment:
    id: int
    rule: SegmentRule
    log_names: frozenset[str]
    window: timedelta | None  # None: some log condition has no window (needs all events)


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
            names = log_event_names(rule)
            window = max_window(rule) if names else None
            _compiled[key] = CompiledSegment(segment.id, rule, frozenset(names), window)
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
    names = {name for s in segments for name in s.log_names}
    windows = [s.window for s in segments if s.log_names]
    since = None if not windows or None in windows else now - max(w for w in windows if w)
    for chunk in _chunks(ids):
        for pid, name, count in session.exec(
            select(EventCounter.profile_id, EventCounter.name, EventCounter.count).where(
                col(EventCounter.profile_id).in_(chunk)
            )
        ):
            counts[pid][name] = count
        if names:
            query = select(Event.profile_id, Event.name, Event.timestamp, Event.properties).where(
                col(Event.profile_id).in_(chunk), col(Event.name).in_(names)
            )
            if since is not None:
                query = query.where(col(Event.timestamp) >= since)
            for pid, name, timestamp, props in session.exec(query):
                events[pid][name].append((timestamp, cast(dict[str, Any], props)))
    return {
        pid: ProfileFacts(properties=properties[pid], counts=counts[pid], events=events[pid])
        for pid in ids
    }


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
    for pid, sid in transitions.left:
        session.execute(
            delete(SegmentMembership).where(
                col(SegmentMembership.segment_id) == sid, col(SegmentMembership.profile_id) == pid
            )
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
