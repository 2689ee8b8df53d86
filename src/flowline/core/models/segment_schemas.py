"""API shapes of segments."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from flowline.definitions.segments import SegmentRule


class SegmentCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    # Validated here, so the OpenAPI document shows the whole rule language.
    rule: SegmentRule


class SegmentPublic(BaseModel):
    id: int
    name: str
    rule: dict[str, Any]
    rule_in_words: str
    time_window: bool
    member_count: int
    created_at: datetime
    updated_at: datetime


class MemberPublic(BaseModel):
    profile_id: str
    since: datetime


class SegmentPreviewRequest(BaseModel):
    """A rule to try before saving it (`POST /v1/segments/preview`)."""

    rule: SegmentRule


class SegmentPreviewPublic(BaseModel):
    """Who matches the rule now, across every profile."""

    count: int = Field(description="How many profiles match the rule now.")
    sample: list[str] = Field(
        description="The first matching profile ids (at most 10), in id order."
    )
