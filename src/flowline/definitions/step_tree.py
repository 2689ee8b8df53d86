"""The step union, branches, and step paths.

Steps are addressed by a path: top-level `"3"`, nested `"3.then.0"`, `"3.else.1.then.0"`. The
path names a step wherever one is named: Idempotency-Key, deliveries, the stats funnel, current
details. What each kind is called, which step lists it holds and the walks over a tree of steps
are in `step_kinds`; the union below lists the same kinds (a test keeps the two in step).
"""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator

from flowline.definitions.error_words import in_words
from flowline.definitions.journey_steps import UpdateProfileStep, WaitForEventStep
from flowline.definitions.segments import SegmentRule
from flowline.definitions.steps import HttpCallStep, SendEmailStep, WaitStep
from flowline.definitions.triggers import StrictModel

MAX_STEPS_PER_LIST = 500


class BranchStep(StrictModel):
    """Go down `then` when the profile meets `condition` (evaluated live), else down `else`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    type: Literal["branch"]
    condition: dict[str, Any]
    then: list["Step"] = Field(default_factory=list, max_length=MAX_STEPS_PER_LIST)
    else_: list["Step"] = Field(default_factory=list, alias="else", max_length=MAX_STEPS_PER_LIST)

    @field_validator("condition")
    @classmethod
    def _segment_rule(cls, value: dict[str, Any]) -> dict[str, Any]:
        # The segment rule language, validated by its own model; its paths go into the message.
        from pydantic import ValidationError

        try:
            SegmentRule.model_validate(value)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'condition'}: {in_words(e)}"
                for e in error.errors()
            )
            raise ValueError(f"Fix the condition: {problems}") from None
        return value

    def rule(self) -> SegmentRule:
        return SegmentRule.model_validate(self.condition)


Step = Annotated[
    WaitStep | SendEmailStep | HttpCallStep | WaitForEventStep | BranchStep | UpdateProfileStep,
    Field(discriminator="type"),
]
ActionStep = SendEmailStep | HttpCallStep

BranchStep.model_rebuild()


def child_path(prefix: str, index: int) -> str:
    return f"{prefix}.{index}" if prefix else str(index)


def path_loc(path: str) -> tuple[str | int, ...]:
    """`"3.then.0"` → `("steps", 3, "then", 0)`: the place of a step in the workflow body."""
    return ("steps", *(int(p) if p.isdigit() else p for p in path.split(".")))


def top_index(path: str) -> int:
    """The index of the top-level step a path lies under."""
    return int(path.split(".", 1)[0])
