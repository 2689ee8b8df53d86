"""The step union, the steps that hold steps (branches, random splits), and step paths.

Steps are addressed by a path: top-level `"3"`, nested `"3.then.0"`, `"3.else.1.then.0"`, and
down a split's path `k` `"3.paths.k.0"` (in the body that step is at `steps.3.paths.k.steps.0`). The
path names a step wherever one is named: Idempotency-Key, deliveries, the stats funnel, current
details. What each kind is called, which step lists it holds and the walks over a tree of steps
are in `step_kinds`; the union below lists the same kinds (a test keeps the two in step).
"""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictBool, StrictInt, field_validator

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


MIN_SPLIT_PATHS = 2
MAX_SPLIT_PATHS = 5
SPLIT_PATHS = "paths"
"""A split's list of paths, in step paths and in the body (`3.paths.1.0`)."""


class SplitPath(StrictModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"\S")
    weight: StrictInt = Field(ge=1, le=99)
    steps: list["Step"] = Field(default_factory=list, max_length=MAX_STEPS_PER_LIST)


class SplitStep(StrictModel):
    """Send each profile down one of 2–5 named paths at random, in proportion to the weights.

    The path is a pure function of the workflow, its version, the split's path and the profile
    (`experiments.chosen_path`); with `auto_winner`, a winner recorded for this version wins.
    """

    type: Literal["split"]
    paths: list[SplitPath] = Field(min_length=MIN_SPLIT_PATHS, max_length=MAX_SPLIT_PATHS)
    auto_winner: StrictBool = False

    @field_validator("paths")
    @classmethod
    def _weights_and_names(cls, paths: list[SplitPath]) -> list[SplitPath]:
        if sum(p.weight for p in paths) != 100:
            raise ValueError(
                "Give the paths weights that add up to 100 (they add up to "
                f"{sum(p.weight for p in paths)})."
            )
        names = [p.name.strip().casefold() for p in paths]
        if len(set(names)) != len(names):
            raise ValueError("Give each path its own name.")
        return paths

    def words(self) -> str:
        """`Split at random: A 50 %, B 50 %`."""
        shares = ", ".join(f"{p.name} {p.weight} %" for p in self.paths)
        winner = " (the winner takes over)" if self.auto_winner else ""
        return f"Split at random: {shares}{winner}"


Step = Annotated[
    WaitStep
    | SendEmailStep
    | HttpCallStep
    | WaitForEventStep
    | BranchStep
    | UpdateProfileStep
    | SplitStep,
    Field(discriminator="type"),
]
ActionStep = SendEmailStep | HttpCallStep

BranchStep.model_rebuild()
SplitPath.model_rebuild()
SplitStep.model_rebuild()


def child_path(prefix: str, index: int) -> str:
    return f"{prefix}.{index}" if prefix else str(index)


def path_loc(path: str) -> tuple[str | int, ...]:
    """`"3.then.0"` → `("steps", 3, "then", 0)`: the place of a step in the workflow body;
    `"3.paths.1.0"` → `("steps", 3, "paths", 1, "steps", 0)` (a path's steps are its `steps`)."""
    loc: list[str | int] = ["steps"]
    parts = path.split(".")
    for at, part in enumerate(parts):
        loc.append(int(part) if part.isdigit() else part)
        if at >= 2 and parts[at - 1] == SPLIT_PATHS and at + 1 < len(parts):
            loc.append("steps")
    return tuple(loc)


def top_index(path: str) -> int:
    """The index of the top-level step a path lies under."""
    return int(path.split(".", 1)[0])
