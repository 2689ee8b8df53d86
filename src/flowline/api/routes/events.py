from fastapi import APIRouter

from flowline.api.deps import IngestKey, SessionDep
from flowline.core.errors import PayloadTooLarge
from flowline.core.services.ingestion import MAX_BATCH, EventBatchIn, EventIn, apply_changes

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.post("", status_code=202)
def post_event(event: EventIn, session: SessionDep, _: IngestKey) -> dict[str, int]:
    """Record one event (creating the profile if needed); triggers and goals follow."""
    result = apply_changes(session, events=[event])
    return {"accepted": result.accepted, "duplicates": result.duplicates}


@router.post("/batch", status_code=202)
def post_events(batch: EventBatchIn, session: SessionDep, _: IngestKey) -> dict[str, int]:
    """Record up to 1000 events in one transaction."""
    if len(batch.events) > MAX_BATCH:
        raise PayloadTooLarge(f"a batch holds at most {MAX_BATCH} events, not {len(batch.events)}")
    result = apply_changes(session, events=batch.events)
    return {"accepted": result.accepted, "duplicates": result.duplicates}
