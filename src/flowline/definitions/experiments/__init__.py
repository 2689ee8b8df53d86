"""Did it work? Lift between two groups of enrollments, with a fixed-horizon interval and an
anytime-valid one (DESIGN §2 "Experiments").

Who is in which group (`assignment`: the holdout and a split's path, drawn from a hash, stable
across retries and replays), and pure code over counts (enrolled, converted): `lift` compares a
group with its baseline (treatment with the holdout, a split's path with its first path) and
`best_path` names the path a split may settle on. The formulas and their sources are in
`intervals.py` and `confidence_sequence.py`.
"""

from flowline.definitions.experiments.assignment import (
    MAX_HOLDOUT_PERCENT,
    Cohort,
    chosen_path,
    cohort_of,
    longest_journey,
    share,
)
from flowline.definitions.experiments.confidence_sequence import (
    PLANNED_ENROLLMENTS,
    anytime_difference_interval,
)
from flowline.definitions.experiments.intervals import newcombe_difference, wilson_interval
from flowline.definitions.experiments.lift import (
    MIN_PER_GROUP,
    GroupCounts,
    Lift,
    best_path,
    lift,
)

__all__ = [
    "MAX_HOLDOUT_PERCENT",
    "MIN_PER_GROUP",
    "PLANNED_ENROLLMENTS",
    "Cohort",
    "GroupCounts",
    "Lift",
    "anytime_difference_interval",
    "best_path",
    "chosen_path",
    "cohort_of",
    "lift",
    "longest_journey",
    "share",
    "newcombe_difference",
    "wilson_interval",
]
