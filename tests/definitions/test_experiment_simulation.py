"""Simulated experiments: the confidence sequence may be looked at after every 100 enrollments
per group and still declares a difference that is not there in at most 5 % of experiments, and
it finds a real one of 5 points.

Each look adds 100 enrollments to each group; their conversions are one binomial draw (inverse
CDF over a table: one random number per group and look), so 1,000 experiments of 100 looks take
seconds in plain Python.
"""

import bisect
import math
import random
from collections.abc import Callable

from flowline.definitions.experiments import (
    anytime_difference_interval,
    newcombe_difference,
)

EXPERIMENTS = 1_000
BATCH = 100
LOOKS = 100  # up to 10,000 per group

Interval = Callable[[int, int, int, int], tuple[float, float]]


def _binomial_table(n: int, p: float) -> list[float]:
    """Cumulative probabilities of 0..n conversions out of n."""
    total, table = 0.0, []
    for k in range(n + 1):
        total += math.comb(n, k) * p**k * (1 - p) ** (n - k)
        table.append(total)
    return table


def _first_look_excluding_zero(
    rng: random.Random, rate_a: float, rate_b: float, intervals: list[Interval]
) -> list[int | None]:
    """One experiment: for each interval, the first look at which it excluded 0 (or None)."""
    table_a, table_b = _binomial_table(BATCH, rate_a), _binomial_table(BATCH, rate_b)
    converted_a = converted_b = 0
    found: list[int | None] = [None] * len(intervals)
    for look in range(1, LOOKS + 1):
        converted_a += min(BATCH, bisect.bisect_right(table_a, rng.random()))
        converted_b += min(BATCH, bisect.bisect_right(table_b, rng.random()))
        enrolled = look * BATCH
        for i, interval in enumerate(intervals):
            if found[i] is None:
                lower, upper = interval(converted_a, enrolled, converted_b, enrolled)
                if lower > 0 or upper < 0:
                    found[i] = look
    return found


def _share_declared(rate_a: float, rate_b: float, seed: int) -> tuple[float, float]:
    rng = random.Random(seed)
    sequence = naive = 0
    for _ in range(EXPERIMENTS):
        anytime, fixed = _first_look_excluding_zero(
            rng, rate_a, rate_b, [anytime_difference_interval, newcombe_difference]
        )
        sequence += anytime is not None
        naive += fixed is not None
    return sequence / EXPERIMENTS, naive / EXPERIMENTS


def test_an_aa_experiment_looked_at_after_every_hundred_is_declared_in_at_most_five_percent() -> (
    None
):
    sequence, naive = _share_declared(0.20, 0.20, seed=19)
    print(
        f"\nA/A at 20 %, looked at every 100 per group up to 10,000: confidence sequence "
        f"declared a difference in {sequence:.1%}, repeated Newcombe in {naive:.1%}"
    )
    assert sequence <= 0.05
    assert naive > 0.05  # the reason for the sequence: peeking breaks the fixed interval


def test_a_true_difference_of_five_points_is_found_in_four_of_five_experiments() -> None:
    sequence, naive = _share_declared(0.25, 0.20, seed=20)
    print(
        f"\n25 % vs 20 %, by 10,000 per group: confidence sequence found it in {sequence:.1%}, "
        f"repeated Newcombe in {naive:.1%}"
    )
    assert sequence >= 0.80
