"""`WorkflowDefinition`: the pure, versioned shape of a saved automation."""

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StrictBool, WithJsonSchema

from flowline.definitions.steps import SendEmailStep, Step
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


class WorkflowDefinition(StrictModel):
    """Everything an enrollment needs; the snapshot passed to `EnrollmentWorkflow`."""

    name: NonEmptyStr
    trigger: Trigger
    consent_property: ConsentProperty = None
    goal: Goal | None = None
    exit_on_goal: StrictBool = False
    reentry: Literal["after_completion", "never"] = "after_completion"
    steps: list[Step] = Field(default_factory=list, max_length=500)

    def email_steps(self) -> list[tuple[int, SendEmailStep]]:
        return [(i, s) for i, s in enumerate(self.steps) if isinstance(s, SendEmailStep)]
