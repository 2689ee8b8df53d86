"""API shapes of profiles."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from flowline.core.models.enrollments import EnrollmentPublic


class ProfileUpsert(BaseModel):
    properties: dict[str, Any] = {}


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
