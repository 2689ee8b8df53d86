"""Events and the per-profile counters that let segment rules avoid the event log."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlmodel import JSON, Column, Field, SQLModel, String

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow
from flowline.definitions.triggers import MAX_EVENT_NAME


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        # A message id seen before for the profile is a duplicate: stored once.
        UniqueConstraint("profile_id", "message_id"),
        Index("ix_events_profile_name_time", "profile_id", "name", "timestamp"),
        # Events of one name in time order, with their profile (covering): the dry run's replay
        # in (timestamp, id) order, the audience preview's "performed it lately".
        Index("ix_events_name_time", "name", "timestamp", "id", "profile_id"),
        NEVER_REUSED,
    )
    id: int | None = Field(default=None, sa_column=Column(ID_TYPE, primary_key=True))
    profile_id: str = Field(sa_column=Column(String(255), nullable=False))
    name: str = Field(max_length=MAX_EVENT_NAME)
    properties: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    timestamp: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    message_id: str | None = Field(default=None, max_length=255)
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class EventCounter(SQLModel, table=True):
    """How often a profile performed an event, kept up to date on ingestion."""

    __tablename__ = "event_counters"
    # By event name: the rule builder's suggestions (distinct names) and the audience preview's
    # "performed it at least N times".
    __table_args__ = (Index("ix_event_counters_name_count", "name", "count", "profile_id"),)
    profile_id: str = Field(sa_column=Column(String(255), primary_key=True))
    name: str = Field(sa_column=Column(String(MAX_EVENT_NAME), primary_key=True))
    count: int = 0
    last_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class CountedCondition(SQLModel, table=True):
    """A segment condition with a `where` and no `within` (its `counter_key`): ingestion counts
    the matching events of every profile, so evaluating it never reads the event log.

    Kept in step with the segments: a condition is added (and counted from the stored events)
    when a segment first uses it, and removed with its counters when none does any more.
    """

    __tablename__ = "counted_conditions"
    key: str = Field(sa_column=Column(String(64), primary_key=True))
    event: str = Field(max_length=MAX_EVENT_NAME)
    where: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class ConditionCounter(SQLModel, table=True):
    """How many of a profile's events meet one counted condition."""

    __tablename__ = "condition_counters"
    # Cascades: erasing a profile or dropping a condition takes its counters along.
    profile_id: str = Field(
        sa_column=Column(
            String(255), ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
        )
    )
    condition_key: str = Field(
        sa_column=Column(
            String(64),
            ForeignKey("counted_conditions.key", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        )
    )
    count: int = 0
