"""The Temporal half of an erasure: delete the runs of an erased profile's enrollments.

Run by the outbox (an `erase_profile` intent) after the request's transaction erased the database
side (erasure.py); it opens and commits its own transaction.
"""

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import col, select
from temporalio.client import Client

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.services.profiles.erasure import exit_erased_enrollments
from flowline.core.temporal_executions import delete_execution
from flowline.definitions.enrollment import profile_search_attribute

log = logging.getLogger(__name__)
DELETE_TIMEOUT = timedelta(seconds=5)
Run = tuple[str, str]  # (Temporal workflow id, run id)


def _erased_runs(engine: Engine, profile_id: str, erased_at: datetime) -> set[Run]:
    """The runs to delete; enrollments recorded since the erasure by starts already under way
    then (their trigger happened before it) are exited and scrubbed like the others."""
    with session_scope(engine) as session:
        exit_erased_enrollments(session, profile_id, erased_at)
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
