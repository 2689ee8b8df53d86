"""`GET /v1/workflows/{id}/experiment`: groups, lift and splits (DESIGN §2 "Experiments").

Rates, differences and interval ends are fractions (0.021 is 2.1 points), like
`conversion_rate` in the stats.
"""

from datetime import datetime

from pydantic import BaseModel, Field

from flowline.definitions.durations import PositiveDuration
from flowline.definitions.experiments import Lift

Interval = tuple[float, float]


class GroupFigures(BaseModel):
    enrolled: int
    converted: int
    rate: float


class ExperimentGroups(BaseModel):
    treatment: GroupFigures
    holdout: GroupFigures


class LiftPublic(BaseModel):
    """A group's rate minus its baseline's (treatment minus holdout; a path minus the first)."""

    absolute: float
    relative: float | None = Field(
        description="absolute / the baseline's rate; null when the baseline rate is 0"
    )
    ci95: Interval = Field(description="fixed-horizon 95 % interval (Newcombe's hybrid score)")
    anytime_ci95: Interval = Field(
        description="95 % confidence sequence: valid however often it is looked at"
    )
    significant: bool = Field(description="true only when `anytime_ci95` excludes 0")

    @classmethod
    def of(cls, lift: Lift | None) -> "LiftPublic | None":
        if lift is None:
            return None
        return cls(
            absolute=round(lift.absolute, 6),
            relative=None if lift.relative is None else round(lift.relative, 6),
            ci95=(round(lift.ci95[0], 6), round(lift.ci95[1], 6)),
            anytime_ci95=(round(lift.anytime_ci95[0], 6), round(lift.anytime_ci95[1], 6)),
            significant=lift.significant,
        )


class SplitPathFigures(BaseModel):
    name: str
    weight: int
    enrolled: int
    converted: int
    rate: float
    lift_vs_first: LiftPublic | None = Field(
        description="this path against the split's first path; null for the first path and "
        "below 100 enrollments in either"
    )


class SplitFigures(BaseModel):
    path: str = Field(description="the split step's path (`2`, `1.then.0`)")
    paths: list[SplitPathFigures]
    winner: str | None = Field(description="the path an `auto_winner` split settled on")
    decided_at: datetime | None


class ExperimentPublic(BaseModel):
    goal_window: PositiveDuration = Field(
        description="how long after enrolling a goal still converts (ISO-8601 seconds)"
    )
    groups: ExperimentGroups
    lift: LiftPublic | None = Field(
        description="treatment against holdout; null below 100 enrollments in either group"
    )
    splits: list[SplitFigures]
