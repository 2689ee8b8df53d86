"""The transactional outbox: intents for Temporal, written with the change that causes them."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import JSON, Column, Field, SQLModel, Text

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow


class OutboxIntent(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "done_at", "available_at"), NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    kind: str = Field(max_length=40)  # start_enrollment | deliver_goal | ... (outbox/intents.py)
    # Whose intent it is (also in the payload): erasure deletes a profile's intents by it.
    profile_id: str | None = Field(default=None, max_length=255, index=True)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    available_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class DispatcherLease(SQLModel, table=True):
    """Who may dispatch the outbox now; `token` grows with every takeover (the fencing token)."""

    __tablename__ = "dispatcher_lease"
    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(default="", max_length=200)
    token: int = 0
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
