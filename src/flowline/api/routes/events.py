from collections.abc import Sequence

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from flowline.api.authentication import IngestKey
from flowline.api.routing import api_router
from flowline.core.database import session_scope
from flowline.core.models.event_schemas import EventBatchIn, EventIn, EventsAccepted
from flowline.core.services.ingestion.changes import apply_changes
from flowline.http.dependencies import EngineDep

router = api_router("/v1/events", tags=["events"])


@router.post("", status_code=202, response_model=EventsAccepted)
async def post_event(event: EventIn, engine: EngineDep, _: IngestKey) -> EventsAccepted:
    """Record one event (creating the profile if needed); triggers and goals follow."""
    return await run_in_threadpool(_record, engine, [event])


@router.post("/batch", status_code=202, response_model=EventsAccepted)
async def post_events(batch: EventBatchIn, engine: EngineDep, _: IngestKey) -> EventsAccepted:
    """Record up to 1000 events in one transaction (more: 413)."""
    return await run_in_threadpool(_record, engine, batch.events)


def _record(engine: Engine, events: Sequence[EventIn]) -> EventsAccepted:
    # The request's unit of work in one hand-off to the thread pool (a session dependency and
    # a plain `def` route took three: open, run, commit), committed before the answer.
    with session_scope(engine) as session:
        result = apply_changes(session, events=list(events))
    return EventsAccepted(accepted=result.accepted, duplicates=result.duplicates)
