"""What an active enrollment does right now, asked of its run (the workflow's progress query):
"step 2/3: waiting until 2026-12-07 09:00 UTC", "waiting for the send window until Mon 09:00
Europe/Amsterdam". The database knows what happened; only the run knows what it waits for."""

import asyncio
import logging
from datetime import timedelta

from temporalio.client import Client

from flowline.core.models.enrollments import Enrollment
from flowline.definitions.enrollment import PROGRESS_QUERY, Progress

log = logging.getLogger(__name__)
QUERY_TIMEOUT = timedelta(seconds=2)
UNKNOWN = "Running; what it waits for is not known now (the workflow engine did not answer)"


async def live_details(client: Client, enrollment: Enrollment) -> str | None:
    """The run's current details, or a sentence saying they are unknown; None when it ended."""
    if enrollment.status != "active":
        return None
    handle = client.get_workflow_handle(
        enrollment.temporal_workflow_id, run_id=enrollment.temporal_run_id
    )
    try:
        async with asyncio.timeout(QUERY_TIMEOUT.total_seconds() + 0.5):
            progress = await handle.query(
                PROGRESS_QUERY, result_type=Progress, rpc_timeout=QUERY_TIMEOUT
            )
    except Exception as error:  # unreachable, no worker, closed meanwhile: say so, never 500
        log.info("progress of %s unknown: %s", enrollment.temporal_run_id, error)
        return UNKNOWN
    return _sentence(progress.details) if progress.details else None


def _sentence(details: str) -> str:
    """`step 2/3: waiting until …` → `Waiting until … (step 2/3)`."""
    position, colon, doing = details.partition(": ")
    if not colon:
        return details[:1].upper() + details[1:]
    return f"{doing[:1].upper()}{doing[1:]} ({position})"
