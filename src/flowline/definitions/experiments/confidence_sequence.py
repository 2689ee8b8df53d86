"""An anytime-valid 95 % confidence sequence for the difference of two conversion rates.

A confidence sequence holds at every sample size at once: the chance that it ever excludes the
true difference, however often it is looked at and whenever the looking stops, is at most 5 %
(asymptotically). So a marketer may open the page every morning and stop the day the interval
leaves 0; a fixed-horizon interval (Newcombe) read the same way declares false winners far more
often.

The formula is the asymptotic confidence sequence (AsympCS) of Waudby-Smith, Arnold, Wu, Howard
and Ramdas, "Time-uniform central limit theory and asymptotic confidence sequences", Annals of
Statistics 2024 (arXiv:2103.06476, Theorem 2.2), itself the two-sided normal-mixture boundary of
Robbins (1970) as stated by Howard, Ramdas, McAuliffe and Sekhon, "Time-uniform, nonparametric,
nonasymptotic confidence sequences", Annals of Statistics 2021, eq. (14). For a running mean with
t observations and variance estimate σ̂²:

    estimate ± sqrt( 2(t σ̂² ρ² + 1) / (t² ρ²) · log( sqrt(t σ̂² ρ² + 1) / α ) )

Applied to the difference of two rates d = p̂a - p̂b (a randomised comparison: each enrollment is
assigned to a or b with a fixed probability), t = na + nb counts both groups and σ̂² = t · V̂,
where V̂ = p̂a(1 - p̂a)/na + p̂b(1 - p̂b)/nb is the variance of d: the efficient influence
function of the difference in means, as in the paper's randomised-experiment section (§3,
AIPW with the group rates as the outcome model). The half-width is then

    sqrt( (V̂ + 1/(t²ρ²)) · log( (t² ρ² V̂ + 1) / α² ) )

The tuning ρ fixes where the sequence is narrowest; the paper's choice
ρ² = (-2 log α + log(-2 log α + 1)) / t* makes it narrowest near t* observations at unit
variance. Flowline plans for t* = PLANNED_ENROLLMENTS = 10,000 enrollments in the comparison
(both groups together): at conversion rates near 20 % it is narrowest near 8,000 per group, and
it stays valid before and after. ρ must not depend on the data, or the guarantee is lost.
"""

import math

from flowline.definitions.experiments.intervals import ALPHA

PLANNED_ENROLLMENTS = 10_000
RHO_SQUARED = (-2 * math.log(ALPHA) + math.log(-2 * math.log(ALPHA) + 1)) / PLANNED_ENROLLMENTS


def anytime_half_width(
    variance: float, observations: int, rho_squared: float = RHO_SQUARED
) -> float:
    """Half-width of the confidence sequence for an estimate with `variance` after
    `observations` observations."""
    t2r2 = observations * observations * rho_squared
    return math.sqrt((variance + 1 / t2r2) * math.log((t2r2 * variance + 1) / (ALPHA * ALPHA)))


def anytime_difference_interval(
    converted_a: int, enrolled_a: int, converted_b: int, enrolled_b: int
) -> tuple[float, float]:
    """The 95 % confidence sequence for rate a minus rate b, at the current counts."""
    pa, pb = converted_a / enrolled_a, converted_b / enrolled_b
    variance = pa * (1 - pa) / enrolled_a + pb * (1 - pb) / enrolled_b
    half = anytime_half_width(variance, enrolled_a + enrolled_b)
    d = pa - pb
    return max(-1.0, d - half), min(1.0, d + half)
