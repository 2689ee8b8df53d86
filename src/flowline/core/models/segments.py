"""Segments and who is in them now."""

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel, String

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow


class Segment(SQLModel, table=True):
    __tablename__ = "segments"
    __table_args__ = NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    name: str = Field(max_length=200)
    rule: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # Rules with `within` change as time passes: the periodic re-evaluation looks at these.
    time_window: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class SegmentMembership(SQLModel, table=True):
    __tablename__ = "segment_memberships"
    segment_id: int = Field(
        foreign_key="segments.id", primary_key=True, ondelete="CASCADE", sa_type=ID_TYPE
    )
    profile_id: str = Field(sa_column=Column(String(255), primary_key=True, index=True))
    since: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
