"""Dry run: the stored history of the last days replayed through a workflow, nothing written.

The history is read a page at a time in (timestamp, id) order (keyset pagination over
`ix_events_name_time`, one stream per event name that matters, merged), so memory follows
the page and the running enrollments, never the period. Profiles are read as they are now,
once per page, for the profiles that page may enroll.
"""

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from flowline.core.errors import ValidationFailed
from flowline.core.models.events import Event
from flowline.core.models.profiles import Profile
from flowline.core.models.segments import SegmentMembership
from flowline.core.models.workflow_schemas import DryRunAnswer, DryRunRequest
from flowline.core.services.frequency_cap import current_cap
from flowline.core.services.segments.membership import CompiledSegment, load_facts
from flowline.core.services.sql import chunks, one_of, plain_rows
from flowline.core.services.workflows.crud import check_references, current_definition, get_workflow
from flowline.core.timestamps import utcnow
from flowline.definitions.dry_run import (
    DryRunPlan,
    DryRunReport,
    EmailCap,
    Happening,
    SegmentEntry,
    Simulator,
    StoredEvent,
    replayed_event_names,
    replayed_segments,
)
from flowline.definitions.segments import (
    ProfileFacts,
    SegmentRule,
    compile_rule,
    has_time_window,
    log_windows,
)
from flowline.definitions.step_tree import BranchStep
from flowline.definitions.workflows import WorkflowDefinition

PAGE = 5000


def dry_run_request(
    session: Session, request: DryRunRequest, *, allow_private_networks: bool = False
) -> DryRunAnswer:
    """`POST /v1/workflows/dry-run`: a body is checked as a save would check it."""
    if request.workflow is not None:
        definition = WorkflowDefinition.model_validate(
            request.workflow.model_dump(exclude={"enabled"})
        )
        try:
            check_references(session, definition, allow_private_networks=allow_private_networks)
        except ValidationFailed as failed:
            raise ValidationFailed(
                [(["workflow", *e["loc"]], str(e["msg"])) for e in failed.errors]
            ) from None
    else:
        assert request.workflow_id is not None
        definition = current_definition(session, get_workflow(session, request.workflow_id))
    return answer(dry_run(session, definition, days=request.days))


def dry_run(
    session: Session, definition: WorkflowDefinition, *, days: int, now: datetime | None = None
) -> DryRunReport:
    """What `definition` would have done with the last `days` of stored history."""
    end = now or utcnow()
    plan = DryRunPlan(definition, end - timedelta(days=days), end, _cap(session, definition))
    simulator = Simulator(plan)
    conditions = _branch_conditions(definition)
    for page in _pages(_history(session, plan)):
        wanted = simulator.wanted(page)
        if wanted:
            simulator.know(_profiles_now(session, wanted, conditions, end))
        for happening in page:
            simulator.feed(happening)
        simulator.forget_idle()
    return simulator.finish()


def answer(report: DryRunReport) -> DryRunAnswer:
    return DryRunAnswer.model_validate(
        {
            "from": report.start,
            "to": report.end,
            "events_replayed": report.events_replayed,
            "would_enroll": report.would_enroll,
            "skipped_no_consent": report.skipped_no_consent,
            "converted": report.converted,
            "conversion_rate": report.conversion_rate,
            "steps": [_fields(step) for step in report.steps],
            "per_day": [_fields(day) for day in report.per_day],
            "sample_profiles": report.sample_profiles,
            "approximations": report.approximations,
            "still_running": report.still_running,
        }
    )


def _fields(figures: Any) -> dict[str, Any]:
    return {name: getattr(figures, name) for name in figures.__slots__}


def _cap(session: Session, definition: WorkflowDefinition) -> EmailCap | None:
    if definition.ignore_frequency_cap:
        return None
    cap = current_cap(session)
    return EmailCap(max=cap.max, per=cap.per) if cap is not None else None


def _history(session: Session, plan: DryRunPlan) -> Iterator[Happening]:
    """Every happening that matters, in (time, id) order."""
    streams: list[Iterable[tuple[Any, Happening]]] = [
        _keyed_events(_events_named(session, name, plan.start, plan.end))
        for name in replayed_event_names(plan.definition)
    ]
    streams += [
        _keyed_entries(_entries_of(session, segment_id, plan.start, plan.end))
        for segment_id in replayed_segments(plan.definition)
    ]
    for _, happening in heapq.merge(*streams, key=lambda keyed: keyed[0]):
        yield happening


def _keyed_events(events: Iterator[StoredEvent]) -> Iterator[tuple[Any, Happening]]:
    for event in events:
        yield (event.at, 1, event.id, ""), event


def _keyed_entries(entries: Iterator[SegmentEntry]) -> Iterator[tuple[Any, Happening]]:
    # A segment entry at the same moment as an event comes first: ingestion commits the
    # transitions an event causes with it.
    for entry in entries:
        yield (entry.at, 0, 0, entry.profile_id), entry


def _pages(happenings: Iterator[Happening]) -> Iterator[list[Happening]]:
    while page := list(islice(happenings, PAGE)):
        yield page


def _events_named(
    session: Session, name: str, start: datetime, end: datetime
) -> Iterator[StoredEvent]:
    """One name's events in the period, in (timestamp, id) order, a page at a time."""
    after: tuple[datetime, int] | None = None
    while True:
        query = select(Event.id, Event.profile_id, Event.properties, Event.timestamp).where(
            col(Event.name) == name, col(Event.timestamp) >= start, col(Event.timestamp) < end
        )
        if after is not None:
            at, last = after
            query = query.where(
                col(Event.timestamp) >= at,
                or_(
                    col(Event.timestamp) > at,
                    and_(col(Event.timestamp) == at, col(Event.id) > last),
                ),
            )
        rows = plain_rows(
            session, query.order_by(col(Event.timestamp), col(Event.id)).limit(PAGE)
        ).all()
        for event_id, profile_id, properties, timestamp in rows:
            yield StoredEvent(timestamp, event_id, profile_id, name, properties)
        if len(rows) < PAGE:
            return
        after = (rows[-1][3], rows[-1][0])


def _entries_of(
    session: Session, segment_id: int, start: datetime, end: datetime
) -> Iterator[SegmentEntry]:
    """Recorded entries into a segment (memberships' `since`) in the period, in time order."""
    after: tuple[datetime, str] | None = None
    since, profile = col(SegmentMembership.since), col(SegmentMembership.profile_id)
    while True:
        query = select(SegmentMembership.profile_id, SegmentMembership.since).where(
            col(SegmentMembership.segment_id) == segment_id, since >= start, since < end
        )
        if after is not None:
            at, last = after
            query = query.where(since >= at, or_(since > at, and_(since == at, profile > last)))
        rows = plain_rows(session, query.order_by(since, profile).limit(PAGE)).all()
        for profile_id, at in rows:
            yield SegmentEntry(at, profile_id, segment_id)
        if len(rows) < PAGE:
            return
        after = (rows[-1][1], rows[-1][0])


def _branch_conditions(definition: WorkflowDefinition) -> list[CompiledSegment]:
    """The branch conditions as segments, so their facts load the way a branch loads them."""
    rules = [
        SegmentRule.model_validate(step.condition)
        for _, step in definition.all_steps()
        if isinstance(step, BranchStep)
    ]
    return [
        CompiledSegment(
            0, r, log_windows(r), has_time_window(r), counted={}, matches=compile_rule(r)
        )
        for r in rules
    ]


def _profiles_now(
    session: Session, ids: set[str], conditions: list[CompiledSegment], now: datetime
) -> dict[str, ProfileFacts | None]:
    properties: dict[str, dict[str, Any]] = {}
    for chunk in chunks(session, sorted(ids)):
        query = select(Profile.id, Profile.properties).where(
            one_of(session, col(Profile.id), chunk)
        )
        for profile_id, values in plain_rows(session, query):
            properties[profile_id] = dict(values)
    found: dict[str, ProfileFacts | None] = dict.fromkeys(ids)
    if not conditions:
        found.update({pid: ProfileFacts(properties=p) for pid, p in properties.items()})
        return found
    # Without counters: the conditions' `where`s count from the events loaded, like a branch.
    for pid, facts in load_facts(session, properties, conditions, now).items():
        found[pid] = replace(facts, condition_counts=None)
    return found
