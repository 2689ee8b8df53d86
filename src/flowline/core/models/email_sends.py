"""Emails counted by the frequency cap: one row per workflow email sent (or about to be)."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Column, Field, SQLModel, String

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow


class EmailSend(SQLModel, table=True):
    __tablename__ = "email_sends"
    __table_args__ = (
        # A retried step finds the slot it reserved before.
        UniqueConstraint("enrollment_id", "step_path"),
        Index("ix_email_sends_profile_time", "profile_id", "sent_at"),
        NEVER_REUSED,
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    profile_id: str = Field(sa_column=Column(String(255), nullable=False))
    enrollment_id: int = Field(foreign_key="enrollments.id", ondelete="CASCADE", sa_type=ID_TYPE)
    step_path: str = Field(max_length=100)
    sent_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
