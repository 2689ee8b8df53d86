from flowline.api.authentication import IngestKey
from flowline.api.routing import api_router
from flowline.core.models.event_schemas import EventBatchIn, EventIn, EventsAccepted
from flowline.core.services.ingestion.changes import apply_changes
from flowline.http.dependencies import SessionDep

router = api_router("/v1/events", tags=["events"])


@router.post("", status_code=202, response_model=EventsAccepted)
def post_event(event: EventIn, session: SessionDep, _: IngestKey) -> EventsAccepted:
    """Record one event (creating the profile if needed); triggers and goals follow."""
    result = apply_changes(session, events=[event])
    return EventsAccepted(accepted=result.accepted, duplicates=result.duplicates)


@router.post("/batch", status_code=202, response_model=EventsAccepted)
def post_events(batch: EventBatchIn, session: SessionDep, _: IngestKey) -> EventsAccepted:
    """Record up to 1000 events in one transaction (more: 413)."""
    result = apply_changes(session, events=batch.events)
    return EventsAccepted(accepted=result.accepted, duplicates=result.duplicates)
