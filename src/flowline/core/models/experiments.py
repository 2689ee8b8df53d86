"""Random splits: the path each enrollment took at each `split` step, and the winner a split
with `auto_winner` settled on (DESIGN §2 "Experiments")."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from flowline.core.models.id_columns import ID_TYPE, NEVER_REUSED
from flowline.core.timestamps import UTCDateTime, utcnow


class EnrollmentPath(SQLModel, table=True):
    __tablename__ = "enrollment_paths"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_path"),
        # Per-path enrolled and converted counts of one split, from the index.
        Index("ix_enrollment_paths_split", "workflow_id", "version", "step_path", "path_index"),
        NEVER_REUSED,
    )
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    enrollment_id: int = Field(foreign_key="enrollments.id", ondelete="CASCADE", sa_type=ID_TYPE)
    workflow_id: int = Field(sa_type=ID_TYPE)
    version: int
    step_path: str = Field(max_length=100)  # the split step's own path ("2", "1.then.0")
    path_index: int
    path_name: str = Field(max_length=100)
    chosen_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class SplitWinner(SQLModel, table=True):
    __tablename__ = "split_winners"
    __table_args__ = (UniqueConstraint("workflow_id", "version", "step_path"), NEVER_REUSED)
    id: int | None = Field(default=None, primary_key=True, sa_type=ID_TYPE)
    workflow_id: int = Field(foreign_key="workflows.id", ondelete="CASCADE", sa_type=ID_TYPE)
    version: int
    step_path: str = Field(max_length=100)
    path_index: int
    path_name: str = Field(max_length=100)
    decided_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    lift: float
    ci_low: float
    ci_high: float


class ExperimentTally(SQLModel, table=True):
    """Enrolled and converted of one group (`step_path` "") or of one path of one split, per
    workflow version, test enrollments left out. Kept by database triggers on `enrollments` and
    `enrollment_paths` (migration 0021_experiment_tallies), so the experiment figures read a
    handful of rows however many enrollments there are."""

    __tablename__ = "experiment_tallies"
    workflow_id: int = Field(
        foreign_key="workflows.id", ondelete="CASCADE", primary_key=True, sa_type=ID_TYPE
    )
    version: int = Field(primary_key=True)
    step_path: str = Field(primary_key=True, max_length=100)  # "" for the group itself
    cohort: str = Field(primary_key=True, max_length=10)
    path_index: int = Field(primary_key=True)  # 0 for the group itself
    enrolled: int = Field(sa_type=BigInteger)
    converted: int = Field(sa_type=BigInteger)
