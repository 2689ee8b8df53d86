"""Segment CRUD and membership reads."""

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from flowline.core.errors import NotFound, SegmentInUse, ValidationFailed, pydantic_errors
from flowline.core.models.segments import Segment, SegmentMembership
from flowline.core.services.segments.condition_counters import sync_counted_conditions
from flowline.core.services.segments.membership import compiled_segments, counted_conditions_of
from flowline.core.services.workflows.versions import current_definitions
from flowline.core.timestamps import utcnow
from flowline.definitions.segments import SegmentRule, has_time_window


def parse_rule(rule: Any) -> SegmentRule:
    try:
        return SegmentRule.model_validate(rule)
    except ValidationError as error:
        raise pydantic_errors(error.errors(), prefix=("rule",)) from None


def get_segment(session: Session, segment_id: int) -> Segment:
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"segment {segment_id} does not exist")
    return segment


def list_segments(session: Session, *, offset: int = 0, limit: int = 100) -> list[Segment]:
    query = select(Segment).order_by(col(Segment.id)).offset(offset).limit(limit)
    return list(session.exec(query))


def create_segment(session: Session, name: str, rule: Any) -> Segment:
    """A new segment starts empty; profiles join as their activity is evaluated (future-only)."""
    parsed = parse_rule(rule)
    segment = Segment(
        name=name,
        rule=parsed.model_dump(mode="json", by_alias=True),
        time_window=has_time_window(parsed),
    )
    session.add(segment)
    session.flush()
    resync_counted_conditions(session)
    return segment


def resync_counted_conditions(session: Session) -> None:
    """The per-condition counters follow the segments' `where` conditions."""
    sync_counted_conditions(session, counted_conditions_of(compiled_segments(session)))


def update_segment(session: Session, segment: Segment, name: str, rule: Any) -> Segment:
    parsed = parse_rule(rule)
    segment.name = name
    segment.rule = parsed.model_dump(mode="json", by_alias=True)
    segment.time_window = has_time_window(parsed)
    segment.updated_at = utcnow()
    session.add(segment)
    session.flush()
    resync_counted_conditions(session)
    return segment


def check_segments_exist(session: Session, wanted: dict[tuple[str | int, ...], int]) -> None:
    """422 for every path (e.g. `trigger.segment_id`) that names a segment that does not exist."""
    if not wanted:
        return
    found = set(session.exec(select(Segment.id).where(col(Segment.id).in_(wanted.values()))))
    missing = [
        (path, f"segment {sid} does not exist") for path, sid in wanted.items() if sid not in found
    ]
    if missing:
        raise ValidationFailed(missing)


def member_count(session: Session, segment_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(SegmentMembership)
        .where(SegmentMembership.segment_id == segment_id)
    ).one()


def member_counts(session: Session) -> dict[str, int]:
    """Every segment's member count now, by segment id as text (a segment without members is
    missing)."""
    query = select(SegmentMembership.segment_id, func.count()).group_by(
        col(SegmentMembership.segment_id)
    )
    return {str(sid): count for sid, count in session.exec(query)}


def members(
    session: Session, segment_id: int, *, offset: int, limit: int
) -> list[SegmentMembership]:
    query = (
        select(SegmentMembership)
        .where(SegmentMembership.segment_id == segment_id)
        .order_by(col(SegmentMembership.profile_id))
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(query))


def segments_of(session: Session, profile_id: str) -> list[int]:
    query = select(SegmentMembership.segment_id).where(SegmentMembership.profile_id == profile_id)
    return sorted(session.exec(query))


def workflows_using_segment(session: Session, segment_id: int) -> list[int]:
    """Workflows whose current version names this segment (trigger or goal)."""
    return [
        wid
        for wid, definition in current_definitions(session)
        if segment_id in _segments_named(definition)
    ]


def delete_segment(session: Session, segment: Segment) -> None:
    users = workflows_using_segment(session, segment.id or 0)
    if users:
        raise SegmentInUse(
            f"segment {segment.id} is used by workflow(s) {', '.join(map(str, users))}"
        )
    session.delete(segment)
    session.flush()
    resync_counted_conditions(session)


def _segments_named(definition: Mapping[str, Any]) -> set[int]:
    """The segments a stored definition names: its trigger's and its goal's. No step names one:
    a branch's condition is a rule over properties and events, not over segment membership."""
    trigger = definition.get("trigger") or {}
    goal = definition.get("goal") or {}
    return {v for v in (trigger.get("segment_id"), goal.get("segment_entered")) if v is not None}
