"""Fixed-horizon 95 % intervals: Wilson's score interval for one proportion and Newcombe's hybrid
score interval for the difference of two independent proportions.

Wilson (1927), for x conversions out of n, p = x / n and z the normal quantile:

    centre = (p + z²/2n) / (1 + z²/n)
    half   = z / (1 + z²/n) · sqrt(p(1 - p)/n + z²/4n²)

Newcombe (1998), "Interval estimation for the difference between independent proportions:
comparison of eleven methods", Statistics in Medicine 17:873-890, method 10. With (l1, u1) and
(l2, u2) the Wilson intervals of p1 and p2, and d = p1 - p2:

    lower = d - sqrt((p1 - l1)² + (u2 - p2)²)
    upper = d + sqrt((u1 - p1)² + (p2 - l2)²)

It keeps its coverage near 95 % for small counts and rates near 0 or 1, where the textbook
Wald interval does not. It is valid when the data are looked at once, at a sample size fixed in
advance: looked at again and again, it declares false differences far more often than 5 %.
"""

import math
from statistics import NormalDist

ALPHA = 0.05
Z95 = NormalDist().inv_cdf(1 - ALPHA / 2)  # 1.959963984540054


def wilson_interval(converted: int, enrolled: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of `converted / enrolled`."""
    if enrolled <= 0 or not 0 <= converted <= enrolled:
        raise ValueError("need 0 <= converted <= enrolled and enrolled > 0")
    p = converted / enrolled
    z2 = z * z
    denominator = 1 + z2 / enrolled
    centre = (p + z2 / (2 * enrolled)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / enrolled + z2 / (4 * enrolled * enrolled))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(
    converted_a: int, enrolled_a: int, converted_b: int, enrolled_b: int, z: float = Z95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for rate a minus rate b."""
    p1, p2 = converted_a / enrolled_a, converted_b / enrolled_b
    l1, u1 = wilson_interval(converted_a, enrolled_a, z)
    l2, u2 = wilson_interval(converted_b, enrolled_b, z)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, lower), min(1.0, upper)
