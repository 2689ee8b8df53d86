"""Saved automations: the `Workflow` row and its immutable `WorkflowVersion`s."""

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import JSON, Column, Field, SQLModel

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow


class Workflow(SQLModel, table=True):
    __tablename__ = "workflows"
    __table_args__ = NEVER_REUSED
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    name: str = Field(max_length=200)
    enabled: bool = True
    version: int = 1
    # Triggers are future-only: only activity after this instant may enroll.
    enabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    skipped_no_consent: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class WorkflowVersion(SQLModel, table=True):
    """One saved definition; never changed once written. Enrollments run on theirs."""

    __tablename__ = "workflow_versions"
    __table_args__ = (UniqueConstraint("workflow_id", "version"), NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    workflow_id: int = Field(
        foreign_key="workflows.id", index=True, ondelete="CASCADE", sa_type=ID_TYPE
    )
    version: int
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # Who saved it, `{type, id, name}` as the audit log's actor (None: saved before it existed).
    saved_by: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
