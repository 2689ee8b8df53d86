"""From what happened to a profile to the intents it causes: enrollments to start, goals to
deliver. Future-only: only activity after a workflow was enabled counts."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.core.services.outbox.intents import EVENT, GOAL, SEGMENT_GOAL, START
from flowline.core.services.segments.membership import Transitions
from flowline.core.services.sql import in_values, on_postgresql
from flowline.core.services.workflows.versions import (
    cached_definition,
    definition_of,
)
from flowline.definitions.journey_steps import WaitForEventStep
from flowline.definitions.triggers import (
    EventGoal,
    EventTrigger,
    SegmentEnteredTrigger,
    SegmentGoal,
    SegmentLeftTrigger,
)
from flowline.definitions.workflows import WorkflowDefinition


@dataclass(frozen=True)
class NewEvent:
    id: int
    profile_id: str
    name: str
    properties: dict[str, Any]
    timestamp: datetime
    received_at: datetime


@dataclass(frozen=True)
class LiveWorkflow:
    id: int
    enabled_at: datetime
    definition: WorkflowDefinition


# The versions' keys only: each definition is read and parsed once per process. Built once.
_LIVE = (
    sa_select(
        col(Workflow.id),
        col(Workflow.enabled_at),
        col(Workflow.version),
        col(WorkflowVersion.created_at),
    )
    .join(
        WorkflowVersion,
        (col(WorkflowVersion.workflow_id) == col(Workflow.id))
        & (col(WorkflowVersion.version) == col(Workflow.version)),
    )
    .where(col(Workflow.enabled).is_(True))
)


def live_workflows(session: Session) -> list[LiveWorkflow]:
    found = []
    for wid, enabled_at, version, created_at in session.connection().execute(_LIVE):
        if wid is None or enabled_at is None:
            continue
        definition = cached_definition(wid, version, created_at) or definition_of(
            session, wid, version
        )
        if definition is not None:
            found.append(LiveWorkflow(wid, enabled_at, definition))
    return found


def enrollment_intents(
    workflows: list[LiveWorkflow], events: list[NewEvent], transitions: Transitions
) -> list[tuple[str, dict[str, Any]]]:
    """One start intent per (workflow, profile) that this change triggers."""
    # What triggered each (workflow, profile): its enrollment's timeline starts with it.
    wanted: dict[tuple[int, str], dict[str, Any]] = {}
    entered = defaultdict(set)
    left = defaultdict(set)
    for pid, sid in transitions.entered:
        entered[sid].add(pid)
    for pid, sid in transitions.left:
        left[sid].add(pid)
    for workflow in workflows:
        trigger = workflow.definition.trigger
        if isinstance(trigger, EventTrigger):
            for event in events:
                # An event that happened before the workflow was enabled never enrolls.
                if event.timestamp >= workflow.enabled_at and trigger.matches(
                    event.name, event.properties
                ):
                    wanted[(workflow.id, event.profile_id)] = {
                        "event": event.name,
                        "event_id": event.id,
                    }
        elif isinstance(trigger, SegmentEnteredTrigger):
            for pid in sorted(entered.get(trigger.segment_id, ())):
                wanted[(workflow.id, pid)] = {"segment_id": trigger.segment_id, "change": "entered"}
        elif isinstance(trigger, SegmentLeftTrigger):
            for pid in sorted(left.get(trigger.segment_id, ())):
                wanted[(workflow.id, pid)] = {"segment_id": trigger.segment_id, "change": "left"}
    return [
        (START, {"workflow_id": wid, "profile_id": pid, "trigger": trigger})
        for (wid, pid), trigger in wanted.items()
    ]


@dataclass(frozen=True)
class ActiveEnrollment:
    id: int
    profile_id: str
    definition: WorkflowDefinition


def active_enrollments(session: Session, profiles: set[str]) -> list[ActiveEnrollment]:
    """The running enrollments of these profiles, each with the definition it runs on."""
    if not profiles:
        return []
    found = []
    rows = session.connection().execute(
        _running(on_postgresql(session)), {"profiles": sorted(profiles)}
    )
    for eid, pid, workflow_id, version, created_at in rows:
        definition = cached_definition(workflow_id, version, created_at) or definition_of(
            session, workflow_id, version
        )
        if eid is not None and definition is not None:
            found.append(ActiveEnrollment(eid, pid, definition))
    return found


@cache
def _running(on_postgres: bool) -> Any:
    # The versions' keys only: a definition is read and parsed once per process (versions
    # are immutable), not once per running enrollment per event. Built once per database kind.
    return (
        sa_select(
            col(Enrollment.id),
            col(Enrollment.profile_id),
            col(Enrollment.workflow_id),
            col(Enrollment.version),
            col(WorkflowVersion.created_at),
        )
        .join(
            WorkflowVersion,
            (col(WorkflowVersion.workflow_id) == col(Enrollment.workflow_id))
            & (col(WorkflowVersion.version) == col(Enrollment.version)),
        )
        .where(
            col(Enrollment.status) == "active",
            in_values(col(Enrollment.profile_id), "profiles", on_postgres),
        )
    )


def goal_intents(
    workflows: list[LiveWorkflow],
    running: list[ActiveEnrollment],
    events: list[NewEvent],
    transitions: Transitions,
    now: datetime,
) -> list[tuple[str, dict[str, Any]]]:
    """Goal deliveries for what just happened (signal-only: they never start an enrollment).

    Goals of live workflows count even for profiles with no running enrollment yet: while
    Temporal is away their enrollment may still sit in the outbox, before this goal.
    """
    profiles = {e.profile_id for e in events} | {pid for pid, _ in transitions.entered}
    if not profiles:
        return []
    shared = [w.definition.goal for w in workflows if w.definition.goal is not None]
    goals: dict[str, list[EventGoal | SegmentGoal]] = defaultdict(lambda: list(shared))
    for enrollment in running:  # older versions may have other goals
        goal = enrollment.definition.goal
        if goal is not None:
            goals[enrollment.profile_id].append(goal)
    intents: list[tuple[str, dict[str, Any]]] = []
    for event in events:
        if any(
            isinstance(g, EventGoal) and g.matches(event.name, event.properties)
            for g in goals[event.profile_id]
        ):
            intents.append(
                (
                    GOAL,
                    {
                        "profile_id": event.profile_id,
                        "event": event.name,
                        "properties": event.properties,
                        "event_id": str(event.id),
                        "at": event.received_at.isoformat(),
                    },
                )
            )
    for pid, sid in transitions.entered:
        if any(isinstance(g, SegmentGoal) and g.segment_entered == sid for g in goals[pid]):
            intents.append(
                (SEGMENT_GOAL, {"profile_id": pid, "segment_id": sid, "at": now.isoformat()})
            )
    return intents


def event_wait_intents(
    running: list[ActiveEnrollment], events: list[NewEvent]
) -> list[tuple[str, dict[str, Any]]]:
    """Events that running enrollments' `wait_for_event` steps wait for.

    Matched here, against each step's filter, so the intent and the signal carry step paths
    and no event properties. Enrollments that start later cannot be waiting for this event: a
    step counts only events that arrive after it started.
    """
    waiting: dict[str, list[tuple[int, list[tuple[str, WaitForEventStep]]]]] = defaultdict(list)
    for enrollment in running:
        steps = [
            (path, step)
            for path, step in enrollment.definition.all_steps()
            if isinstance(step, WaitForEventStep)
        ]
        if steps:
            waiting[enrollment.profile_id].append((enrollment.id, steps))
    intents: list[tuple[str, dict[str, Any]]] = []
    for event in events:
        targets = {
            str(eid): paths
            for eid, steps in waiting.get(event.profile_id, ())
            if (paths := [p for p, s in steps if s.matches(event.name, event.properties)])
        }
        if targets:
            intents.append(
                (
                    EVENT,
                    {
                        "profile_id": event.profile_id,
                        "event": event.name,
                        "event_id": str(event.id),
                        "at": event.received_at.isoformat(),
                        "enrollments": targets,
                    },
                )
            )
    return intents
