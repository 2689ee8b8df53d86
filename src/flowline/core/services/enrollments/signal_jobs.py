"""Telling running enrollments something: the goal was reached, they must exit, or an event a
`wait_for_event` step waits for arrived (the outbox signals the enrollments it was matched to).

Signal-only: a signal never starts an enrollment, and a "not found" just means it already ended.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, or_
from sqlmodel import col, select
from sqlmodel.sql.expression import Select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from flowline.core.database import read_scope, session_scope
from flowline.core.errors import TemporalUnavailable, rpc_cause
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflows import WorkflowVersion
from flowline.core.services.enrollments.records import ERASED_REASON
from flowline.core.services.workflows.versions import parsed_definition
from flowline.core.timestamps import utcnow
from flowline.definitions.enrollment import (
    EVENT_SIGNAL,
    EXIT_SIGNAL,
    GOAL_SIGNAL,
    EventReceived,
    ExitRequest,
    GoalReached,
)
from flowline.definitions.triggers import EventGoal
from flowline.definitions.workflows import WorkflowDefinition

SIGNAL_TIMEOUT = timedelta(seconds=5)


def _with_versions() -> Select[Enrollment, WorkflowVersion]:
    """Enrollments joined with the workflow version each one runs."""
    return select(Enrollment, WorkflowVersion).join(
        WorkflowVersion,
        (col(WorkflowVersion.workflow_id) == col(Enrollment.workflow_id))
        & (col(WorkflowVersion.version) == col(Enrollment.version)),
    )


def _running(
    engine: Engine, *conditions: ColumnElement[bool]
) -> list[tuple[Enrollment, WorkflowDefinition]]:
    """The active enrollments that meet `conditions`, each with its version's definition."""
    with read_scope(engine) as session:
        query = _with_versions().where(Enrollment.status == "active", *conditions)
        return [
            (enrollment, parsed_definition(version)) for enrollment, version in session.exec(query)
        ]


def _of_profile(profile_id: str, started_before: datetime | None) -> list[ColumnElement[bool]]:
    conditions = [col(Enrollment.profile_id) == profile_id]
    if started_before is not None:
        # A goal counts only for enrollments that started before it was reached.
        conditions.append(col(Enrollment.started_at) <= started_before)
    return conditions


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


def _in_window(enrollment: Enrollment, definition: WorkflowDefinition, at: datetime) -> bool:
    """Whether a goal reached at `at` converts: within the goal window after enrolling."""
    return at <= enrollment.started_at + definition.goal_window


def _convert_late(engine: Engine, profile_id: str, at: datetime, goal_matches: Any) -> int:
    """Ended enrollments the goal converts, recorded directly: those whose steps ended within
    their goal window before the goal (the execution ends with its steps: the window after
    them costs no open execution, only this indexed read per goal), and those that were still
    running when the goal was reached but ended before its signal arrived (the outbox was
    behind)."""
    with session_scope(engine) as session:
        query = _with_versions().where(
            col(Enrollment.profile_id) == profile_id,
            col(Enrollment.status) != "active",
            col(Enrollment.converted_at).is_(None),
            col(Enrollment.started_at) <= at,
            # An erased profile's enrollments belong to someone else than a re-created id.
            or_(
                col(Enrollment.exit_reason).is_(None), col(Enrollment.exit_reason) != ERASED_REASON
            ),
        )
        late = []
        for enrollment, version in session.exec(query):
            definition = parsed_definition(version)
            ended = enrollment.ended_at
            if not goal_matches(definition.goal):
                continue
            if (ended is not None and ended >= at) or _in_window(enrollment, definition, at):
                late.append(enrollment)
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
    running = await asyncio.to_thread(_running, engine, *_of_profile(profile_id, at))
    goal = GoalReached(event_id=event_id, event=event, at=at)

    def matches(target: object) -> bool:
        return isinstance(target, EventGoal) and target.matches(event, properties or {})

    delivered = 0
    for enrollment, definition in running:
        if matches(definition.goal) and _in_window(enrollment, definition, at or utcnow()):
            delivered += await _signal(client, enrollment, GOAL_SIGNAL, goal)
    if at is not None:
        delivered += await asyncio.to_thread(_convert_late, engine, profile_id, at, matches)
    return delivered


async def deliver_segment_goal(
    engine: Engine, client: Client, profile_id: str, segment_id: int, at: datetime | None = None
) -> int:
    """Signal the profile's running enrollments whose goal is entering this segment."""
    running = await asyncio.to_thread(_running, engine, *_of_profile(profile_id, at))
    goal = GoalReached(event=f"segment_entered:{segment_id}", at=at)

    def matches(target: object) -> bool:
        return getattr(target, "segment_entered", None) == segment_id

    delivered = 0
    for enrollment, definition in running:
        if matches(definition.goal) and _in_window(enrollment, definition, at or utcnow()):
            delivered += await _signal(client, enrollment, GOAL_SIGNAL, goal)
    if at is not None:
        delivered += await asyncio.to_thread(_convert_late, engine, profile_id, at, matches)
    return delivered


async def exit_enrollments(engine: Engine, client: Client, reason: str, **filters: Any) -> int:
    """End running enrollments now (e.g. `workflow_id=3`, reason "disabled")."""
    conditions = [getattr(Enrollment, name) == value for name, value in filters.items()]
    running = await asyncio.to_thread(_running, engine, *conditions)
    request = ExitRequest(reason=reason)
    ended = 0
    for enrollment, _ in running:
        ended += await _signal(client, enrollment, EXIT_SIGNAL, request)
    return ended


async def deliver_event(engine: Engine, client: Client, payload: dict[str, Any]) -> int:
    """Signal each enrollment the event was matched to (signal-only; an ended one is skipped)."""
    targets: dict[str, list[str]] = payload["enrollments"]
    ids = [int(i) for i in targets]
    running = await asyncio.to_thread(_running, engine, col(Enrollment.id).in_(ids))
    delivered = 0
    for enrollment, _ in running:
        signal = EventReceived(
            event_id=payload["event_id"],
            event=payload["event"],
            at=datetime.fromisoformat(payload["at"]),
            step_paths=targets[str(enrollment.id)],
        )
        delivered += await _signal(client, enrollment, EVENT_SIGNAL, signal)
    return delivered
