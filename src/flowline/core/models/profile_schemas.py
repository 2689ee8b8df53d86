"""API shapes of profiles."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from flowline.core.models.enrollments import EnrollmentPublic


class ProfileUpsert(BaseModel):
    properties: dict[str, Any] = {}


class ProfilePublic(BaseModel):
    id: str
    properties: dict[str, Any]
    segments: list[int]
    enrollments: list[EnrollmentPublic]
    created_at: datetime
    updated_at: datetime
