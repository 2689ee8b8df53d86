"""Installation settings (`GET/PUT /v1/settings`): one row per setting, a JSON value each."""

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import JSON, Column, SQLModel, String
from sqlmodel import Field as TableField

from flowline.core.timestamps import UTCDateTime, utcnow
from flowline.definitions.durations import PositiveDuration


class InstallationSetting(SQLModel, table=True):
    __tablename__ = "installation_settings"
    key: str = TableField(sa_column=Column(String(100), primary_key=True))
    value: Any = TableField(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = TableField(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class FrequencyCap(BaseModel):
    """A profile receives at most `max` workflow emails in any rolling `per`."""

    model_config = ConfigDict(extra="forbid")

    max: int = Field(ge=1, le=10_000)
    per: PositiveDuration

    @field_validator("per")
    @classmethod
    def _at_most_a_year(cls, value: timedelta) -> timedelta:
        if value > timedelta(days=366):
            raise ValueError("Enter a period of at most 366 days.")
        return value


class InstallationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email_frequency_cap: FrequencyCap | None = None
