"""Lift of one group over its baseline, and the path a split may settle on."""

from dataclasses import dataclass

from flowline.definitions.experiments.confidence_sequence import anytime_difference_interval
from flowline.definitions.experiments.intervals import newcombe_difference

# Below this many enrollments in either group the lift is not shown: the intervals rest on
# normal approximations that need it, and a rate of 3 out of 20 says little to anyone.
MIN_PER_GROUP = 100


@dataclass(frozen=True)
class GroupCounts:
    enrolled: int
    converted: int

    @property
    def rate(self) -> float:
        return self.converted / self.enrolled if self.enrolled else 0.0


@dataclass(frozen=True)
class Lift:
    """Rate of a group minus its baseline's, as fractions (0.021 is 2.1 points)."""

    absolute: float
    relative: float | None  # absolute / baseline rate; None when the baseline rate is 0
    ci95: tuple[float, float]  # Newcombe: valid for one look at a planned size
    anytime_ci95: tuple[float, float]  # confidence sequence: valid at every look
    significant: bool  # the anytime interval excludes 0


def lift(group: GroupCounts, baseline: GroupCounts) -> Lift | None:
    """`group` against `baseline`; None ("not enough data") below MIN_PER_GROUP in either."""
    if min(group.enrolled, baseline.enrolled) < MIN_PER_GROUP:
        return None
    counts = (group.converted, group.enrolled, baseline.converted, baseline.enrolled)
    absolute = group.rate - baseline.rate
    anytime = anytime_difference_interval(*counts)
    return Lift(
        absolute=absolute,
        relative=absolute / baseline.rate if baseline.rate else None,
        ci95=newcombe_difference(*counts),
        anytime_ci95=anytime,
        significant=anytime[0] > 0 or anytime[1] < 0,
    )


def best_path(paths: list[GroupCounts]) -> tuple[int, Lift] | None:
    """The path whose rate is significantly above every other path's (each pairwise anytime
    interval of it minus the other excludes 0), with its lift over the runner-up; None while no
    path is. Only a path with the highest rate can qualify, so at most one does."""
    if len(paths) < 2:
        return None
    leader = max(range(len(paths)), key=lambda i: paths[i].rate)
    against = [lift(paths[leader], other) for i, other in enumerate(paths) if i != leader]
    if not all(found is not None and found.anytime_ci95[0] > 0 for found in against):
        return None
    closest = min((found for found in against if found is not None), key=lambda f: f.absolute)
    return leader, closest
