"""GDPR erasure of a profile: the database at once, Temporal through the outbox.

In the request's transaction (`erase_profile`) the profile's properties, events, counters,
segment memberships and outbox intents (pending and done) are deleted, its running enrollments
are recorded `exited` / `profile_deleted`, and its deliveries keep their status (the figures) but
lose their detail (the address, the response). An `erase_profile` intent then deletes from
Temporal every run of the enrollments it had up to that moment (`DeleteWorkflowExecution`
terminates a running one first), so no history keeps its data. It waits in the outbox while
Temporal is away, like any intent.

A new event for the same id afterwards creates a new profile. The late Temporal step touches only
enrollments started up to the erasure (`erased_at`), and deletes no intent: the new profile's
intents, written after the erasure, stay.
"""

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session, col, select
from temporalio.client import Client

from flowline.core.database import session_scope
from flowline.core.models.email_sends import EmailSend
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.events import Event, EventCounter
from flowline.core.models.profiles import Profile
from flowline.core.models.segments import SegmentMembership
from flowline.core.services.enrollment_records import ERASED_DETAIL, ERASED_REASON
from flowline.core.services.outbox import ERASE, add_intents, delete_profile_intents
from flowline.core.temporal_executions import delete_execution
from flowline.core.timestamps import utcnow
from flowline.definitions.enrollment import profile_search_attribute

log = logging.getLogger(__name__)
DELETE_TIMEOUT = timedelta(seconds=5)
Run = tuple[str, str]  # (Temporal workflow id, run id)


def erase_profile(session: Session, profile_id: str) -> None:
    """Erase what the database holds about the profile now; idempotent (unknown ids included)."""
    now = utcnow()
    # Locked like ingestion locks it: an event being ingested for it lands before or after.
    profile = session.exec(
        select(Profile).where(col(Profile.id) == profile_id).with_for_update()
    ).first()
    for model in (Event, EventCounter, SegmentMembership, EmailSend):
        session.execute(delete(model).where(col(model.profile_id) == profile_id))
    if profile is not None:
        session.delete(profile)
    enrolled = _exit_enrollments(session, profile_id, now)
    delete_profile_intents(session, profile_id)
    if profile is not None or enrolled:
        add_intents(session, [(ERASE, {"profile_id": profile_id, "erased_at": now.isoformat()})])


def _exit_enrollments(session: Session, profile_id: str, up_to: datetime) -> int:
    """Record the running enrollments exited and scrub every delivery; how many enrollments."""
    erased = (col(Enrollment.profile_id) == profile_id, col(Enrollment.started_at) <= up_to)
    session.execute(
        update(Enrollment)
        .where(*erased, col(Enrollment.status) == "active")
        .values(status="exited", exit_reason=ERASED_REASON, ended_at=utcnow())
    )
    session.execute(
        update(Delivery)
        .where(col(Delivery.enrollment_id).in_(select(Enrollment.id).where(*erased)))
        .values(detail=ERASED_DETAIL)
    )
    return session.exec(select(func.count()).select_from(Enrollment).where(*erased)).one()


def _erased_runs(engine: Engine, profile_id: str, erased_at: datetime) -> set[Run]:
    """The runs to delete; enrollments recorded since the erasure by starts already under way
    then (their trigger happened before it) are exited and scrubbed like the others."""
    with session_scope(engine) as session:
        _exit_enrollments(session, profile_id, erased_at)
        rows = session.exec(
            select(Enrollment.temporal_workflow_id, Enrollment.temporal_run_id).where(
                col(Enrollment.profile_id) == profile_id,
                col(Enrollment.started_at) <= erased_at,
            )
        )
        return {(workflow_id, run_id) for workflow_id, run_id in rows}


async def _visible_runs(client: Client, profile_id: str, erased_at: datetime) -> set[Run]:
    """Runs Temporal knows for the profile that the database may not (a start whose dispatcher
    died before recording it). Visibility cannot match ids with `\\` or `"`, and holds no id too
    long for a search attribute: those rely on the database alone."""
    if "\\" in profile_id or '"' in profile_id or profile_search_attribute(profile_id) is None:
        return set()
    quoted = profile_id.replace("'", "''")
    before = erased_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    query = f"FlowlineProfileId = '{quoted}' AND StartTime <= '{before}'"
    executions = client.list_workflows(query, rpc_timeout=DELETE_TIMEOUT)
    return {(e.id, e.run_id) async for e in executions if e.run_id}


async def erase_from_temporal(
    engine: Engine, client: Client, profile_id: str, erased_at: datetime
) -> int:
    """Delete the runs of the profile's enrollments up to the erasure; how many were deleted."""
    runs = await asyncio.to_thread(_erased_runs, engine, profile_id, erased_at)
    runs |= await _visible_runs(client, profile_id, erased_at)
    deleted = 0
    for workflow_id, run_id in sorted(runs):
        deleted += await delete_execution(client, workflow_id, run_id, DELETE_TIMEOUT)
    log.info("erasure: deleted %d execution(s) of an erased profile", deleted)
    return deleted
