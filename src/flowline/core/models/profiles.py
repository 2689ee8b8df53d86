"""Profiles: a person keyed by an external id, with a JSON bag of properties."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index
from sqlmodel import JSON, Column, Field, SQLModel, String

from flowline.core.timestamps import UTCDateTime, utcnow


class Profile(SQLModel, table=True):
    __tablename__ = "profiles"
    id: str = Field(sa_column=Column(String(255), primary_key=True))
    properties: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class ProfileSearchEntry(SQLModel, table=True):
    """One searchable property of a profile: its name, its value as text (a string as itself, a
    number in its shortest form, `true`/`false`) and the kind of value the text came from (`s`
    string, `n` number, `b` boolean). Written by database triggers on `profiles` (migrations
    `0012_profile_search`, `0016_profile_search_kinds`), never by the application: whatever
    changes a profile's properties keeps it current, and erasing the profile deletes it
    (cascade)."""

    __tablename__ = "profile_search"
    profile_id: str = Field(
        sa_column=Column(
            String(255),
            ForeignKey("profiles.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    name: str = Field(sa_column=Column(String(255), primary_key=True))
    value: str = Field(sa_column=Column(String(255), nullable=False))
    kind: str = Field(sa_column=Column(String(1), nullable=False))
    # The kind comes last: one value's entries stay in profile-id order (search pages).
    __table_args__ = (Index("ix_profile_search_value", "name", "value", "profile_id", "kind"),)
