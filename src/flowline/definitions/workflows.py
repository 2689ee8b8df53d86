"""`WorkflowDefinition`: the pure, versioned shape of a saved automation."""

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
    model_validator,
)

from flowline.definitions.durations import PositiveDuration
from flowline.definitions.experiments import MAX_HOLDOUT_PERCENT
from flowline.definitions.send_window import SendWindow
from flowline.definitions.step_kinds import MAX_BRANCH_DEPTH, nesting_depth, walk
from flowline.definitions.step_tree import MAX_STEPS_PER_LIST, Step
from flowline.definitions.steps import HttpCallStep, SendEmailStep
from flowline.definitions.triggers import Goal, NonEmptyStr, StrictModel, Trigger


def _dash_means_none(value: object) -> object:
    # The UI shows "-" for "consent is not taken into account".
    if value is None or (isinstance(value, str) and value.strip() in ("", "-")):
        return None
    return value


ConsentProperty = Annotated[
    NonEmptyStr | None,
    BeforeValidator(_dash_means_none),
    # What is accepted: blank and "-" are read as null.
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}],
            "description": "The boolean profile property that holds consent; null, blank or "
            '"-": consent is not taken into account.',
        },
        mode="validation",
    ),
]


DEFAULT_GOAL_WINDOW = timedelta(days=30)


class WorkflowDefinition(StrictModel):
    """Everything an enrollment needs; the snapshot passed to `EnrollmentWorkflow`."""

    name: NonEmptyStr
    trigger: Trigger
    consent_property: ConsentProperty = None
    goal: Goal | None = None
    exit_on_goal: StrictBool = False
    reentry: Literal["after_completion", "never"] = "after_completion"
    # Email and HTTP steps wait until the profile's local time is inside the window.
    send_window: SendWindow | None = None
    # Transactional mail: neither counts towards the frequency cap nor is held back by it.
    ignore_frequency_cap: StrictBool = False
    steps: list[Step] = Field(default_factory=list, max_length=MAX_STEPS_PER_LIST)
    # Experiments: this share of entering profiles is held out (no step runs, the goal is
    # still tracked); a goal within `goal_window` after enrolling converts, also after the steps.
    holdout_percent: StrictInt = Field(
        0,
        ge=0,
        le=MAX_HOLDOUT_PERCENT,
        description="The share of entering profiles held out: enrolled, no step runs, the goal "
        "is watched (a deterministic draw per workflow version and profile).",
    )
    goal_window: PositiveDuration = DEFAULT_GOAL_WINDOW

    @model_validator(mode="after")
    def _branches_nest_at_most_three_deep(self) -> "WorkflowDefinition":
        if nesting_depth(self.steps) > MAX_BRANCH_DEPTH:
            raise ValueError(f"Nest branches at most {MAX_BRANCH_DEPTH} levels deep.")
        return self

    def all_steps(self) -> list[tuple[str, Any]]:
        """Every step with its path (`"3"`, `"3.then.0"`), branches before their arms."""
        return list(walk(self.steps))

    def email_steps(self) -> list[tuple[str, SendEmailStep]]:
        return [(p, s) for p, s in walk(self.steps) if isinstance(s, SendEmailStep)]

    def http_steps(self) -> list[tuple[str, HttpCallStep]]:
        return [(p, s) for p, s in walk(self.steps) if isinstance(s, HttpCallStep)]
