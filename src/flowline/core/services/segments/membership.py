"""Who is in which segment, recomputed for the profiles a change touches.

Evaluation reads the profiles' properties, their per-event counters, their per-condition
counters (conditions with a `where` and no `within`, see `condition_counters`) and — only for
conditions with `within` — their own recent events of those names (through an index). It never
scans the event log as a whole, and a profile's long history costs it nothing.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlmodel import Session, col, select

from flowline.core.models.events import Event, EventCounter
from flowline.core.models.segments import Segment, SegmentMembership
from flowline.core.services.segments.condition_counters import condition_counts
from flowline.core.services.sql import (
    chunks,
    delete_pairs,
    insert_rows,
    one_of,
    plain_rows,
    table_of,
)
from flowline.definitions.segments import (
    Check,
    EventCondition,
    ProfileFacts,
    SegmentRule,
    compile_rule,
    counted_conditions,
    has_time_window,
    log_windows,
    rule_event_names,
    wider_window,
)


@dataclass(frozen=True)
class CompiledSegment:
    id: int
    rule: SegmentRule
    # Event names whose individual events the rule reads (its `within` conditions), and how
    # far back; its conditions with a `where` and no `within` read counters instead.
    log_windows: dict[str, timedelta | None]
    time_window: bool
    counted: dict[str, EventCondition]
    matches: Check


@dataclass
class Transitions:
    entered: list[tuple[str, int]] = field(default_factory=list)  # (profile_id, segment_id)
    left: list[tuple[str, int]] = field(default_factory=list)


_compiled: dict[tuple[int, datetime], CompiledSegment] = {}
_SEGMENTS = select(Segment.id, Segment.updated_at, Segment.rule).order_by(col(Segment.id))
"""Built once: every ingestion reads it, and building it cost more than running it."""


def compiled_segments(session: Session) -> list[CompiledSegment]:
    """All segments, parsed once per version (keyed by id and `updated_at`)."""
    result = []
    for segment_id, updated_at, stored_rule in session.connection().execute(_SEGMENTS):
        key = (segment_id, updated_at)
        if key not in _compiled:
            rule = SegmentRule.model_validate(stored_rule)
            _compiled[key] = CompiledSegment(
                segment_id,
                rule,
                log_windows(rule, counted=True),
                has_time_window(rule),
                counted_conditions(rule),
                compile_rule(rule),
            )
        result.append(_compiled[key])
    return result


def counted_conditions_of(segments: list[CompiledSegment]) -> dict[str, EventCondition]:
    """Every counted condition the segments use, by counter key."""
    return {key: c for segment in segments for key, c in segment.counted.items()}


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
    for chunk in chunks(session, ids):
        for pid, name, count in plain_rows(
            session,
            select(EventCounter.profile_id, EventCounter.name, EventCounter.count).where(
                one_of(session, col(EventCounter.profile_id), chunk)
            ),
        ):
            counts[pid][name] = count
        queries = []
        if unbounded:
            queries.append(_events_of(session, chunk, unbounded))
        if bounded:
            queries.append(
                _events_of(session, chunk, sorted(bounded)).where(col(Event.timestamp) >= since)
            )
        for query in queries:
            for pid, name, timestamp, props in plain_rows(session, query):
                events[pid][name].append((timestamp, cast(dict[str, Any], props)))
    counted = condition_counts(session, ids) if counted_conditions_of(segments) else {}
    return {
        pid: ProfileFacts(
            properties=properties[pid],
            counts=counts[pid],
            events=events[pid],
            condition_counts=counted.get(pid, {}),
        )
        for pid in ids
    }


def _log_reach(segments: list[CompiledSegment]) -> dict[str, timedelta | None]:
    reach: dict[str, timedelta | None] = {}
    for segment in segments:
        for name, window in segment.log_windows.items():
            reach[name] = wider_window(reach.get(name, window), window, name in reach)
    return reach


def _events_of(session: Session, profile_ids: Sequence[str], names: list[str]) -> Any:
    return select(Event.profile_id, Event.name, Event.timestamp, Event.properties).where(
        one_of(session, col(Event.profile_id), profile_ids), col(Event.name).in_(names)
    )


def memberships(session: Session, profile_ids: list[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for chunk in chunks(session, profile_ids):
        query = select(SegmentMembership.profile_id, SegmentMembership.segment_id).where(
            one_of(session, col(SegmentMembership.profile_id), chunk)
        )
        for pid, sid in plain_rows(session, query):
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
            member = segment.matches(profile_facts, now)
            if member and segment.id not in was:
                transitions.entered.append((pid, segment.id))
            elif not member and segment.id in was:
                transitions.left.append((pid, segment.id))
    # Core statements on the table: ORM writes one by one would scan the session each time.
    table = table_of(SegmentMembership)
    insert_rows(
        session,
        table,
        [{"segment_id": s, "profile_id": p, "since": now} for p, s in transitions.entered],
    )
    delete_pairs(
        session, table, ("segment_id", "profile_id"), [(s, p) for p, s in transitions.left]
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
