"""API shapes of ingested events."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from flowline.core.errors import PayloadTooLarge
from flowline.core.timestamps import utcnow
from flowline.definitions.identifiers import ProfileId
from flowline.definitions.properties import Properties
from flowline.definitions.triggers import EventName

MAX_BATCH = 1000


EARLIEST_EVENT = datetime(1970, 1, 1, tzinfo=UTC)
_ISO_DATE_START = re.compile(r"\d{4}-")
LATEST_EVENT_AHEAD = timedelta(hours=24)
"""How far in the future an event may be dated (clocks of other services drift)."""


class EventIn(BaseModel):
    profile_id: ProfileId
    name: EventName
    properties: Properties = Field(default_factory=dict)
    timestamp: datetime | None = Field(
        default=None,
        description="When it happened (default: now); between 1970-01-01T00:00:00Z and 24 hours "
        "from now. Without a zone it is taken as UTC.",
    )
    message_id: str | None = Field(default=None, min_length=1, max_length=255)

    @field_validator("timestamp", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # pydantic would also take a number, or a string of digits ("1700000000"), as Unix time;
        # the document says an ISO-8601 date-time string, which starts with a year and a dash.
        if value is None or isinstance(value, datetime):
            return value
        if not isinstance(value, str) or not _ISO_DATE_START.match(value):
            raise ValueError(
                "timestamp must be an ISO-8601 date-time string such as 2024-05-01T12:00:00Z "
                "(not a Unix time)"
            )
        return value

    @field_validator("timestamp")
    @classmethod
    def _aware_and_plausible(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        # Compared before converting: a zone near datetime.max/min would overflow in UTC.
        if not EARLIEST_EVENT <= value <= utcnow() + LATEST_EVENT_AHEAD:
            raise ValueError("timestamp must be between 1970-01-01 and 24 hours from now")
        return value.astimezone(UTC)


class EventBatchIn(BaseModel):
    events: list[EventIn] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} events"
    )

    @model_validator(mode="before")
    @classmethod
    def _at_most_max_batch(cls, data: Any) -> Any:
        # Counted before any event is validated; too many is 413, like a body over the limit.
        events = data.get("events") if isinstance(data, dict) else None
        if isinstance(events, list) and len(events) > MAX_BATCH:
            raise PayloadTooLarge(f"a batch holds at most {MAX_BATCH} events, not {len(events)}")
        return data


class EventsAccepted(BaseModel):
    accepted: int
    duplicates: int
