"""Inputs and results of the journey steps' activities: branch, update profile, send windows."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, JsonValue

from flowline.definitions.send_window import SendWindow
from flowline.worker.contracts import EnrollmentRef


class BranchInput(BaseModel):
    enrollment: EnrollmentRef
    step_path: str
    condition: dict[str, Any]
    now: datetime


class BranchResult(BaseModel):
    arm: Literal["then", "else"] | None  # None: the profile is gone
    ended: str | None = None  # why the enrollment must end (`profile_deleted`)


class UpdateProfileInput(BaseModel):
    enrollment: EnrollmentRef
    step_path: str
    properties: dict[str, JsonValue]
    workflow_name: str


class UpdateProfileResult(BaseModel):
    # failed: a value's template cannot be rendered (recorded); the enrollment goes on
    outcome: Literal["done", "failed", "profile_deleted"]


class WindowInput(BaseModel):
    profile_id: str
    window: SendWindow
    now: datetime


class WindowCheck(BaseModel):
    opens_at: datetime | None  # None: the window is open now
    words: str = ""  # "Mon 09:00 Europe/Amsterdam"


EVALUATE_BRANCH = "evaluate_branch"
UPDATE_PROFILE = "update_profile"
SEND_WINDOW = "send_window_opening"


class SplitInput(BaseModel):
    enrollment: EnrollmentRef
    step_path: str
    names: list[str]
    weights: list[int]
    auto_winner: bool = False


class SplitResult(BaseModel):
    path_index: int | None  # None: the profile is gone
    ended: str | None = None


CHOOSE_SPLIT_PATH = "choose_split_path"
