"""Campaigns: triggered emails with merge tags."""

import re
from datetime import datetime
from typing import Literal

from pydantic import StrictBool, field_validator
from sqlalchemy import true
from sqlmodel import Column, Field, SQLModel, Text

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow
from flowline.definitions.identifiers import ProfileId

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\Z")  # \Z: $ would allow a trailing \n
CampaignStatus = Literal["draft", "active"]
# Every campaign Flowline sends is "triggered" (by a workflow step); "broadcast" campaigns can be
# stored but never chosen by a workflow.
CampaignType = Literal["triggered", "broadcast"]


class CampaignBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=998)
    html: str = Field(min_length=1, sa_column=Column(Text, nullable=False))
    text: str | None = Field(default=None, sa_column=Column(Text))
    from_email: str | None = Field(
        default=None, max_length=320, schema_extra={"pattern": r"^[^@\s<>]+@[^@\s<>]+$"}
    )
    status: CampaignStatus = "draft"
    type: CampaignType = "triggered"
    # Links through `/c/{token}` and a 1×1 image `/o/{token}` in the mail (DESIGN §2).
    track_opens: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    track_clicks: bool = Field(default=True, sa_column_kwargs={"server_default": true()})

    @field_validator("from_email")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not _ADDRESS.match(value):
            raise ValueError("Enter an email address such as news@example.com, or leave it empty.")
        return value


class CampaignCreate(CampaignBase):
    # Strict in the API: `0`/`"yes"` are refused, not read as a switch (the OpenAPI says boolean).
    track_opens: StrictBool = True
    track_clicks: StrictBool = True


class Campaign(CampaignBase, table=True):
    __tablename__ = "campaigns"
    __table_args__ = NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    status: str = Field(default="draft", max_length=20)  # type: ignore[assignment]
    type: str = Field(default="triggered", max_length=20)  # type: ignore[assignment]
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class CampaignPublic(CampaignBase):
    id: int
    merge_tags: list[str]
    created_at: datetime
    updated_at: datetime


class CampaignPreviewRequest(SQLModel):
    profile_id: ProfileId


class CampaignPreview(SQLModel):
    """The campaign as this profile would get it (tags read from properties of the same name)."""

    subject: str
    html: str
    text: str | None
