"""Segment rules in short words for the UI."""

import pytest

from flowline.definitions.segments import describe_rule
from tests.definitions.builders import CITY, NO_PAYMENT, PRO_BUYER, prop, rule


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"all": [CITY, NO_PAYMENT]}, "city = 'Amsterdam' and has not performed 'payment'"),
        (
            PRO_BUYER,
            "has performed 'purchase' at least 2 times with plan = 'pro' in the last 30 days",
        ),
        (
            {"event": "purchase", "performed": False, "min_count": 3},
            "has performed 'purchase' fewer than 3 times",
        ),
        ({"not": {"event": "payment"}}, "has not performed 'payment'"),
        ({"not": {"all": [NO_PAYMENT]}}, "has performed 'payment'"),
        ({"not": CITY}, "not (city = 'Amsterdam')"),
        (
            {"any": [CITY, {"all": [prop("gte", 18, name="age"), prop("exists", name="email")]}]},
            "city = 'Amsterdam' or (age ≥ 18 and email is set)",
        ),
        (
            {"not": {"any": [prop("not_exists", name="email"), prop("eq", True, name="vip")]}},
            "not (email is not set or vip = true)",
        ),
        (prop("in", ["NL", "BE", 3], name="country"), "country is one of 'NL', 'BE', 3"),
        (prop("contains", "dam", name="city"), "city contains 'dam'"),
        (prop("neq", 2.5, name="score"), "score ≠ 2.5"),
        ({"all": [CITY]}, "city = 'Amsterdam'"),
    ],
)
def test_describe_rule(data, words):
    assert describe_rule(rule(data)) == words
