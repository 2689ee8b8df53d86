"""Telling running enrollments something: the goal was reached, or they must exit.

Signal-only: a signal never starts an enrollment, and a "not found" just means it already ended.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from flowline.core.database import read_scope, session_scope
from flowline.core.errors import TemporalUnavailable, rpc_cause
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflows import WorkflowVersion
from flowline.core.services.workflow_versions import parsed_definition
from flowline.definitions.enrollment import EXIT_SIGNAL, GOAL_SIGNAL, ExitRequest, GoalReached
from flowline.definitions.triggers import EventGoal
from flowline.definitions.workflows import WorkflowDefinition

SIGNAL_TIMEOUT = timedelta(seconds=5)


def _running(
    engine: Engine, started_before: datetime | None = None, **filters: Any
) -> list[tuple[Enrollment, WorkflowDefinition]]:
    with read_scope(engine) as session:
        query = (
            select(Enrollment, WorkflowVersion)
            .join(
                WorkflowVersion,
                (col(WorkflowVersion.workflow_id) == col(Enrollment.workflow_id))
                & (col(WorkflowVersion.version) == col(Enrollment.version)),
            )
            .where(Enrollment.status == "active")
        )
        for name, value in filters.items():
            query = query.where(getattr(Enrollment, name) == value)
        if started_before is not None:
            # A goal counts only for enrollments that started before it was reached.
            query = query.where(col(Enrollment.started_at) <= started_before)
        return [
            (enrollment, parsed_definition(version)) for enrollment, version in session.exec(query)
        ]


async def _signal(client: Client, enrollment: Enrollment, name: str, payload: Any) -> bool:
    handle = client.get_workflow_handle(
        enrollment.temporal_workflow_id, run_id=enrollment.temporal_run_id
    )
    try:
        await handle.signal(name, payload, rpc_timeout=SIGNAL_TIMEOUT)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False  # it ended meanwhile
        raise TemporalUnavailable(
            f"Temporal did not accept the signal: {rpc_cause(error)}"
        ) from None
    return True


def _convert_late(engine: Engine, profile_id: str, at: datetime, goal_matches: Any) -> int:
    """Enrollments that were running when the goal was reached but ended before its signal
    arrived (the outbox was behind): their conversion is recorded directly."""
    with session_scope(engine) as session:
        query = (
            select(Enrollment, WorkflowVersion)
            .join(
                WorkflowVersion,
                (col(WorkflowVersion.workflow_id) == col(Enrollment.workflow_id))
                & (col(WorkflowVersion.version) == col(Enrollment.version)),
            )
            .where(
                col(Enrollment.profile_id) == profile_id,
                col(Enrollment.status) != "active",
                col(Enrollment.converted_at).is_(None),
                col(Enrollment.started_at) <= at,
                col(Enrollment.ended_at) >= at,
            )
        )
        late = [
            enrollment
            for enrollment, version in session.exec(query)
            if goal_matches(parsed_definition(version).goal)
        ]
        for enrollment in late:
            enrollment.converted_at = at
            session.add(enrollment)
        return len(late)


async def deliver_goal(
    engine: Engine,
    client: Client,
    profile_id: str,
    event: str,
    properties: dict[str, Any] | None = None,
    *,
    event_id: str | None = None,
    at: datetime | None = None,
) -> int:
    """Signal the profile's running enrollments whose event goal this event meets."""
    running = await asyncio.to_thread(_running, engine, at, profile_id=profile_id)
    goal = GoalReached(event_id=event_id, event=event, at=at)

    def matches(target: object) -> bool:
        return isinstance(target, EventGoal) and target.matches(event, properties or {})

    delivered = 0
    for enrollment, definition in running:
        if matches(definition.goal):
            delivered += await _signal(client, enrollment, GOAL_SIGNAL, goal)
    if at is not None:
        delivered += await asyncio.to_thread(_convert_late, engine, profile_id, at, matches)
    return delivered


async def deliver_segment_goal(
    engine: Engine, client: Client, profile_id: str, segment_id: int, at: datetime | None = None
) -> int:
    """Signal the profile's running enrollments whose goal is entering this segment."""
    running = await asyncio.to_thread(_running, engine, at, profile_id=profile_id)
    goal = GoalReached(event=f"segment_entered:{segment_id}", at=at)

    def matches(target: object) -> bool:
        return getattr(target, "segment_entered", None) == segment_id

    delivered = 0
    for enrollment, definition in running:
        if matches(definition.goal):
            delivered += await _signal(client, enrollment, GOAL_SIGNAL, goal)
    if at is not None:
        delivered += await asyncio.to_thread(_convert_late, engine, profile_id, at, matches)
    return delivered


async def exit_enrollments(engine: Engine, client: Client, reason: str, **filters: Any) -> int:
    """End running enrollments now (e.g. `workflow_id=3`, reason "disabled")."""
    running = await asyncio.to_thread(_running, engine, None, **filters)
    request = ExitRequest(reason=reason)
    ended = 0
    for enrollment, _ in running:
        ended += await _signal(client, enrollment, EXIT_SIGNAL, request)
    return ended
