"""API shapes of workflows: the definition plus the switch, and what responses add."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, StrictBool

from flowline.definitions.identifiers import ProfileId
from flowline.definitions.workflows import WorkflowDefinition


class WorkflowCreate(WorkflowDefinition):
    enabled: StrictBool = True


class WorkflowPublic(WorkflowDefinition):
    id: int
    enabled: bool
    version: int
    trigger_in_words: str
    created_at: datetime
    updated_at: datetime


class DisableRequest(BaseModel):
    in_flight: Literal["finish", "exit"] = "finish"


class EnrollRequest(BaseModel):
    profile_id: ProfileId
    test: StrictBool = False


class StepStats(BaseModel):
    """One step of the funnel; `path` names it (`"3"`, `"3.then.0"`), `index` is its place in
    its own list of steps."""

    index: int
    path: str
    type: str
    executed: int
    succeeded: int
    failed: int
    skipped: int


class VersionStats(BaseModel):
    version: int
    enrolled: int
    converted: int
    conversion_rate: float


class RecentFailure(BaseModel):
    """Failures of one step in the last 24 hours."""

    path: str
    count: int
    last_error: str
    last_at: datetime


class WorkflowStats(BaseModel):
    enrolled: int
    active: int
    completed: int
    converted: int
    exited: int
    failed: int
    skipped_no_consent: int
    conversion_rate: float
    steps: list[StepStats]
    versions: list[VersionStats]
    with_failures: int = 0  # enrollments with a failed step
    recent_failures: list[RecentFailure] = []
