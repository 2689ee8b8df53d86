"""API shapes of ingested events."""

from pydantic import BaseModel


class EventsAccepted(BaseModel):
    accepted: int
    duplicates: int
