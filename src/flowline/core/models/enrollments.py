"""Enrollments (one per Temporal execution) and their deliveries (one per executed action step)."""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Index, UniqueConstraint, false, text
from sqlmodel import JSON, Column, Field, SQLModel, Text

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow

EnrollmentStatus = Literal["active", "completed", "converted", "exited", "failed"]
DeliveryStatus = Literal["sent", "failed", "skipped"]
ENDED_STATUSES = ("completed", "converted", "exited", "failed")
# A literal, not a bound parameter: the planners use the partial index only for this very term.
FAILED = text("status = 'failed'")
HOLDOUT = text("cohort = 'holdout'")
DELIVERY_TYPES = ("email", "http")


class Enrollment(SQLModel, table=True):
    __tablename__ = "enrollments"
    __table_args__ = (
        # The stats read only this index (no table rows): counts by version, status and step.
        Index(
            "ix_enrollments_stats",
            "workflow_id",
            "test",
            "version",
            "status",
            "steps_completed",
            "converted_at",
        ),
        # The holdout's figures read only this index (holdout rows only).
        Index(
            "ix_enrollments_holdout",
            "workflow_id",
            "test",
            "version",
            "converted_at",
            sqlite_where=HOLDOUT,
            postgresql_where=HOLDOUT,
        ),
        NEVER_REUSED,
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    workflow_id: int = Field(
        foreign_key="workflows.id", index=True, ondelete="CASCADE", sa_type=ID_TYPE
    )
    version: int
    profile_id: str = Field(max_length=255, index=True)
    temporal_workflow_id: str = Field(max_length=600, index=True)
    # The workflow id is reused by a re-entry; the run id names this enrollment.
    temporal_run_id: str = Field(max_length=64, unique=True)
    status: str = Field(default="active", max_length=20, index=True)
    exit_reason: str | None = Field(default=None, max_length=100)
    converted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    steps_completed: int = 0
    test: bool = False
    # The outbox intent that started it: a re-dispatched intent finds it and starts nothing.
    trigger_id: str | None = Field(default=None, max_length=100, unique=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # A step failed (set by the transaction that records the failure): never shown as success.
    has_failures: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # What triggered it (`{"event", "event_id"}` or `{"segment_id", "change"}`), for its timeline.
    entered: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # The API's `group` (a reserved word in SQL, hence the name): "treatment", or "holdout":
    # enrolled only to track the goal, no step runs (DESIGN §2 "Experiments").
    cohort: str = Field(
        default="treatment", max_length=10, sa_column_kwargs={"server_default": "treatment"}
    )


class Delivery(SQLModel, table=True):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_path", name="uq_deliveries_enrollment_step"),
        # The per-step funnel of the stats reads only this index, no join with enrollments.
        Index("ix_deliveries_funnel", "workflow_id", "version", "test", "step_path", "status"),
        # Failed steps only (few rows, no cost to the others): `with_failures` and the failures
        # of the last 24 hours read it alone, whatever the number of deliveries.
        Index(
            "ix_deliveries_failed",
            "workflow_id",
            "test",
            "updated_at",
            "step_path",
            "enrollment_id",
            sqlite_where=FAILED,
            postgresql_where=FAILED,
        ),
        Index("ix_deliveries_campaign", "campaign_id", "test", "status"),
        NEVER_REUSED,
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    enrollment_id: int = Field(
        foreign_key="enrollments.id", index=True, ondelete="CASCADE", sa_type=ID_TYPE
    )
    # Copied from the enrollment when the delivery is first recorded (never change after).
    workflow_id: int = Field(sa_type=ID_TYPE)
    version: int
    test: bool = False
    # The step's path (`"3"`, `"3.then.0"`); `step_index` is the top-level step it lies under.
    step_path: str = Field(max_length=100)
    step_index: int
    type: str = Field(max_length=20)
    status: str = Field(max_length=20)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    # The campaign a Send email step sent (its figures read `ix_deliveries_campaign`).
    campaign_id: int | None = Field(default=None, sa_type=ID_TYPE)
    # The structured values behind the outcome (timeline.py); erased with the profile.
    facts: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class DeliveryPublic(SQLModel):
    step_index: int
    step_path: str
    type: str
    status: str
    detail: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime


class EnrollmentPublic(SQLModel):
    id: int
    workflow_id: int
    version: int
    profile_id: str
    status: str
    exit_reason: str | None
    converted: bool
    converted_at: datetime | None
    steps_completed: int
    test: bool
    started_at: datetime
    ended_at: datetime | None
    temporal_workflow_id: str
    temporal_run_id: str
    temporal_ui_url: str
    has_failures: bool = False  # a step failed: never shown as plain success
    # "holdout": enrolled only to track the goal, no step runs (the `cohort` column).
    group: Literal["treatment", "holdout"] = "treatment"


class TimelineEntry(SQLModel):
    """One decision of an enrollment, in order; `summary` is a sentence for a marketer."""

    at: datetime | None
    path: str | None  # the step's path, None for entries about the whole enrollment
    # entered consent holdout sent skipped failed waiting arrived timed_out arm path updated goal
    # exit end
    kind: str
    outcome: str  # ok | skipped | failed | waiting | info
    summary: str
    facts: dict[str, Any]


class EnrollmentDetail(EnrollmentPublic):
    timeline: list[TimelineEntry] = []
    deliveries: list[DeliveryPublic]  # the action steps (email, HTTP)
    steps: list[DeliveryPublic]  # every step that ran, by path: waits, branches, updates too
