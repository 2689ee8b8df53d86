"""API shapes of profiles."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from flowline.core.models.enrollments import EnrollmentPublic
from flowline.definitions.properties import Properties


class ProfileUpsert(BaseModel):
    properties: Properties = {}


class ProfileUpdated(BaseModel):
    """What an upsert answers, whoever calls: an ingest key learns nothing back."""

    id: str
    updated_at: datetime


class EventPublic(BaseModel):
    id: int
    name: str
    properties: dict[str, Any]
    timestamp: datetime
    message_id: str | None
    received_at: datetime


class ProfilePublic(BaseModel):
    id: str
    properties: dict[str, Any]
    segments: list[int]
    events: list[EventPublic]
    enrollments: list[EnrollmentPublic]
    created_at: datetime
    updated_at: datetime


class ProfileSummary(BaseModel):
    """A profile in a list: its id and properties."""

    id: str
    properties: dict[str, Any]
    created_at: datetime
    updated_at: datetime
