"""One enrollment with its timeline, read from the database and, for an active one, what its
run waits for now (a query to the engine; its absence never fails the read)."""

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine
from temporalio.client import Client

from flowline.core.database import read_scope
from flowline.core.models.enrollments import Enrollment, EnrollmentDetail
from flowline.core.services.enrollments import views
from flowline.core.services.enrollments.live_jobs import UNKNOWN, live_details
from flowline.core.settings import Settings


async def enrollment_detail(
    engine: Engine,
    client: Callable[[], Awaitable[Client]],
    settings: Settings,
    enrollment_id: int,
) -> EnrollmentDetail:
    """Raises `NotFound` for an unknown id (before asking the engine anything)."""
    enrollment = await asyncio.to_thread(_enrollment, engine, enrollment_id)
    details = None
    if enrollment.status == "active":
        try:
            details = await live_details(await client(), enrollment)
        except Exception:  # the engine is unreachable: the timeline says so
            details = UNKNOWN
    return await asyncio.to_thread(_detail, engine, settings, enrollment_id, details)


def _enrollment(engine: Engine, enrollment_id: int) -> Enrollment:
    with read_scope(engine) as session:
        enrollment = views.get_enrollment(session, enrollment_id)
        session.expunge(enrollment)
        return enrollment


def _detail(
    engine: Engine, settings: Settings, enrollment_id: int, details: str | None
) -> EnrollmentDetail:
    with read_scope(engine) as session:
        enrollment = views.get_enrollment(session, enrollment_id)
        return views.to_detail(session, settings, enrollment, live_details=details)
