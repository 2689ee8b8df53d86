"""API keys: stored as SHA-256 hashes, shown once when created."""

from datetime import datetime
from typing import Literal

from sqlmodel import Column, Field, SQLModel

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow

Scope = Literal["admin", "ingest"]


class ApiKeyBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    scope: str = Field(default="ingest", max_length=20)


class ApiKeyCreate(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    scope: Scope = "ingest"


class ApiKey(ApiKeyBase, table=True):
    __tablename__ = "api_keys"
    __table_args__ = NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    key_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    # Recorded at most once a minute per key (see services.api_keys.record_use).
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ApiKeyPublic(ApiKeyBase):
    id: int
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str
