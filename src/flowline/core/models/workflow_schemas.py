"""API shapes of workflows: the definition plus the switch, and what responses add."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from flowline.core.models.email_figures import EmailFigures
from flowline.definitions.dry_run import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS
from flowline.definitions.identifiers import Id, ProfileId
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
    email: EmailFigures | None = Field(
        default=None,
        description="Send email steps only (null for the others): what became of this "
        "version's emails at this step.",
    )


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


class GroupStats(BaseModel):
    """Enrollments of one group (`holdout`: no step ran, only the goal was watched)."""

    enrolled: int
    converted: int
    conversion_rate: float


class WorkflowStats(BaseModel):
    """Every figure counts every enrollment; `holdout` repeats the held-out ones apart (the
    step funnel never counts them: no step ran for them)."""

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
    holdout: GroupStats = GroupStats(enrolled=0, converted=0, conversion_rate=0.0)


class DryRunRequest(BaseModel):
    """`POST /v1/workflows/dry-run`: a workflow body, or a saved workflow's id; `days` back."""

    model_config = ConfigDict(extra="forbid")

    workflow: WorkflowCreate | None = None
    workflow_id: Id | None = None
    days: int = Field(DEFAULT_DAYS, ge=MIN_DAYS, le=MAX_DAYS)

    @model_validator(mode="after")
    def _exactly_one_workflow(self) -> "DryRunRequest":
        if (self.workflow is None) == (self.workflow_id is None):
            raise ValueError(
                "Send a workflow body (workflow) or a saved workflow's id (workflow_id): "
                "exactly one of them."
            )
        return self


class DryRunStep(BaseModel):
    """One step: `reached` counts enrollments that arrived at it (one still waiting in it at
    the end counts); a branch's `arms` say how many went down `then` and `else`."""

    path: str
    type: str
    reached: int
    emails: int
    http_calls: int
    skipped_frequency_cap: int
    arms: dict[str, int] = {}


class DryRunDay(BaseModel):
    date: date
    enrollments: int
    emails: int


class DryRunAnswer(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    from_: datetime = Field(alias="from")
    to: datetime
    events_replayed: int
    would_enroll: int
    skipped_no_consent: int
    converted: int
    conversion_rate: float
    steps: list[DryRunStep]
    per_day: list[DryRunDay]
    sample_profiles: list[str]
    approximations: list[str]
    still_running: int
    """Enrollments still in their journey when the period ends."""
