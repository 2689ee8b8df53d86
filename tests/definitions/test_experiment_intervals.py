"""Lift intervals against reference values: Newcombe's own worked examples, and the confidence
sequence computed here from Howard et al.'s normal-mixture boundary (a second derivation)."""

import math

import pytest

from flowline.definitions.experiments import (
    MIN_PER_GROUP,
    PLANNED_ENROLLMENTS,
    GroupCounts,
    anytime_difference_interval,
    best_path,
    lift,
    newcombe_difference,
    wilson_interval,
)

# Newcombe (1998), Table II, method 10 (hybrid score), to the four decimals printed there.
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_TABLE_II)
def test_newcombe_interval_matches_the_papers_table(
    counts: tuple[int, int, int, int], expected: tuple[float, float]
) -> None:
    lower, upper = newcombe_difference(*counts)
    assert (round(lower, 4), round(upper, 4)) == expected


def test_wilson_interval_of_81_out_of_263_matches_wilsons_formula_by_hand() -> None:
    # Newcombe 1998 (companion paper on single proportions) example: 81/263 -> 0.2553 to 0.3662.
    lower, upper = wilson_interval(81, 263)
    assert (round(lower, 4), round(upper, 4)) == (0.2553, 0.3662)


def _howard_normal_mixture(ca: int, na: int, cb: int, nb: int) -> tuple[float, float]:
    """Howard et al. 2021 eq. (14), two-sided: |S_t| < sqrt((v + r) log((v + r) / (r α²)))
    for the centred sum S_t with intrinsic time v = t σ², mixture precision r; divided by t.
    Waudby-Smith et al.'s ρ is 1/sqrt(r)."""
    alpha = 0.05
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / PLANNED_ENROLLMENTS
    r = 1 / rho2
    t = na + nb
    pa, pb = ca / na, cb / nb
    v = t * t * (pa * (1 - pa) / na + pb * (1 - pb) / nb)
    half = math.sqrt((v + r) * math.log((v + r) / (r * alpha**2))) / t
    return pa - pb - half, pa - pb + half


@pytest.mark.parametrize(
    "counts",
    [(2100, 10_000, 2000, 10_000), (130, 500, 95, 480), (30, 100, 20, 100), (0, 150, 0, 300)],
)
def test_confidence_sequence_matches_the_normal_mixture_boundary(
    counts: tuple[int, int, int, int],
) -> None:
    assert anytime_difference_interval(*counts) == pytest.approx(_howard_normal_mixture(*counts))


def test_confidence_sequence_at_ten_thousand_per_group_by_hand() -> None:
    # 21 % vs 20 % at 10,000 each: V = (.21·.79 + .2·.8)/10,000 = 3.259e-5, t = 20,000,
    # t²ρ² = 4e8 · 7.936155e-4 = 317,446; half = sqrt((V + 1/t²ρ²) · log((t²ρ²V + 1)/.0025)).
    lower, upper = anytime_difference_interval(2100, 10_000, 2000, 10_000)
    assert round(lower, 4) == -0.0073
    assert round(upper, 4) == 0.0273


def test_confidence_sequence_is_wider_than_the_fixed_horizon_interval() -> None:
    counts = (2100, 10_000, 2000, 10_000)
    fixed = newcombe_difference(*counts)
    anytime = anytime_difference_interval(*counts)
    assert anytime[0] < fixed[0] < fixed[1] < anytime[1]


def test_lift_is_null_below_one_hundred_per_group() -> None:
    assert lift(GroupCounts(MIN_PER_GROUP - 1, 50), GroupCounts(5000, 100)) is None
    assert lift(GroupCounts(5000, 100), GroupCounts(MIN_PER_GROUP - 1, 50)) is None
    assert lift(GroupCounts(MIN_PER_GROUP, 50), GroupCounts(MIN_PER_GROUP, 10)) is not None


def test_lift_gives_absolute_and_relative_difference_and_both_intervals() -> None:
    found = lift(GroupCounts(10_000, 2500), GroupCounts(10_000, 2000))
    assert found is not None
    assert found.absolute == pytest.approx(0.05)
    assert found.relative == pytest.approx(0.25)
    assert found.ci95 == newcombe_difference(2500, 10_000, 2000, 10_000)
    assert found.anytime_ci95 == anytime_difference_interval(2500, 10_000, 2000, 10_000)
    assert found.significant


def test_lift_is_not_significant_while_the_anytime_interval_holds_zero() -> None:
    # Newcombe alone would call this one: its interval excludes 0, the sequence's does not.
    found = lift(GroupCounts(2000, 460), GroupCounts(2000, 400))
    assert found is not None
    assert found.ci95[0] > 0
    assert found.anytime_ci95[0] < 0
    assert not found.significant


def test_relative_lift_is_null_when_the_baseline_never_converts() -> None:
    found = lift(GroupCounts(200, 20), GroupCounts(200, 0))
    assert found is not None
    assert found.relative is None


def test_best_path_needs_every_pairwise_interval_above_zero() -> None:
    a, b, c = GroupCounts(10_000, 2000), GroupCounts(10_000, 2500), GroupCounts(10_000, 2480)
    assert best_path([a, b]) is not None
    assert best_path([a, b, c]) is None  # b is not clearly better than c


def test_best_path_answers_the_leader_and_its_lift_over_the_runner_up() -> None:
    a, b, c = GroupCounts(10_000, 2000), GroupCounts(10_000, 2600), GroupCounts(10_000, 2200)
    found = best_path([a, b, c])
    assert found is not None
    index, over_runner_up = found
    assert index == 1
    assert over_runner_up.absolute == pytest.approx(0.04)


def test_best_path_is_none_below_one_hundred_per_path() -> None:
    assert best_path([GroupCounts(99, 0), GroupCounts(99, 99)]) is None
