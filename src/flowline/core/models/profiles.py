"""Profiles: a person keyed by an external id, with a JSON bag of properties."""

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel, String

from flowline.core.timestamps import UTCDateTime, utcnow


class Profile(SQLModel, table=True):
    __tablename__ = "profiles"
    id: str = Field(sa_column=Column(String(255), primary_key=True))
    properties: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
