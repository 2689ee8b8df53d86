"""The audit log: who changed what, when, in words. Rows are only ever added.

An entry names its actor (an API key today, a user once people sign in as themselves) and its
object by type, id and name as they were at the time, so renaming or deleting either later
leaves the entry as it was written. It never holds a secret nor personal data (see
core/services/audit/).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Index
from sqlmodel import Column, SQLModel, String, Text
from sqlmodel import Field as TableField

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow

ActorType = Literal["user", "api_key"]
ObjectType = Literal[
    "workflow",
    "campaign",
    "segment",
    "settings",
    "suppression",
    "api_key",
    "enrollment",
    "profile",
    "user",
]
MAX_NAME = 300
MAX_OBJECT_ID = 64


@dataclass(frozen=True)
class Actor:
    """Who made a change: `id` is the key's or user's id as text ("bootstrap" for the
    bootstrap admin key, which has no row)."""

    type: ActorType
    id: str | None
    name: str

    def as_json(self) -> dict[str, str | None]:
        return {"type": self.type, "id": self.id, "name": self.name}


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id", "id"),
        Index("ix_audit_log_actor", "actor_type", "actor_id", "id"),
        NEVER_REUSED,
    )
    id: int | None = TableField(default=None, primary_key=True, sa_type=ID_TYPE)
    at: datetime = TableField(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    actor_type: str = TableField(sa_column=Column(String(20), nullable=False))
    actor_id: str | None = TableField(default=None, sa_column=Column(String(MAX_OBJECT_ID)))
    actor_name: str = TableField(sa_column=Column(String(MAX_NAME), nullable=False))
    action: str = TableField(sa_column=Column(String(50), nullable=False))
    object_type: str = TableField(sa_column=Column(String(30), nullable=False))
    object_id: str = TableField(sa_column=Column(String(MAX_OBJECT_ID), nullable=False))
    object_name: str = TableField(sa_column=Column(String(MAX_NAME), nullable=False))
    summary: str = TableField(sa_column=Column(Text, nullable=False))


class AuditActorPublic(BaseModel):
    type: ActorType
    id: str | None = Field(
        description="The API key's id, `bootstrap` for FLOWLINE_BOOTSTRAP_ADMIN_KEY, or the "
        "user's id."
    )
    name: str = Field(description="The key's or user's name when the change was made.")


class AuditObjectPublic(BaseModel):
    type: ObjectType
    id: str = Field(
        description="Its id as text; for an erased profile a keyed hash of the profile id, "
        "never the id itself."
    )
    name: str = Field(description="Its name when the change was made.")


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: AuditActorPublic
    action: str = Field(description="Such as `workflow.saved`, `campaign.deleted`.")
    object: AuditObjectPublic
    summary: str = Field(description="What changed, in words; never a secret nor personal data.")
