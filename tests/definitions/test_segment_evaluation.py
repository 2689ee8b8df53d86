"""Segment evaluation: property ops, event counts and windows, and all/any/not groups."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flowline.definitions.segments import NotRule, ProfileFacts, PropertyCondition, evaluate
from tests.definitions.builders import CITY, NO_PAYMENT, PRO_BUYER, prop, rule

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def holds(data: Any, facts: ProfileFacts | None = None, now: datetime = NOW) -> bool:
    return evaluate(rule(data), facts or ProfileFacts(), now)


def with_x(value: Any) -> ProfileFacts:
    return ProfileFacts(properties={"x": value})


# -- property conditions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        ("eq", "Amsterdam", "Amsterdam", True),
        ("eq", "Amsterdam", "amsterdam", False),
        ("eq", 3, 3.0, True),
        ("eq", 3, "3", False),
        ("eq", False, False, True),
        ("neq", "Amsterdam", "Utrecht", True),
        ("neq", "Amsterdam", "Amsterdam", False),
        ("gt", 18, 21, True),
        ("gt", 18, 18, False),
        ("gte", 18, 18, True),
        ("gte", 18, 17.5, False),
        ("lt", 18, 17, True),
        ("lt", 18, 18, False),
        ("lte", 18, 18, True),
        ("lte", 18, 19, False),
        ("gt", "2026-01-01", "2026-02-01", True),
        ("lt", "b", "a", True),
        ("contains", "dam", "Amsterdam", True),
        ("contains", "Rot", "Amsterdam", False),
        ("contains", "vip", ["new", "vip"], True),
        ("contains", "vip", ["new"], False),
        ("in", ["Amsterdam", "Utrecht"], "Utrecht", True),
        ("in", ["Amsterdam", "Utrecht"], "Rotterdam", False),
        ("in", [1, 2], 2, True),
        ("exists", None, "anything", True),
        ("exists", None, "", True),
        ("not_exists", None, "anything", False),
    ],
)
def test_property_op_on_a_present_property(op, value, actual, expected):
    assert holds(prop(op, value), with_x(actual)) is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", "Amsterdam", False),
        ("neq", "Amsterdam", True),
        ("gt", 1, False),
        ("gte", 1, False),
        ("lt", 1, False),
        ("lte", 1, False),
        ("contains", "a", False),
        ("in", ["a"], False),
        ("exists", None, False),
        ("not_exists", None, True),
    ],
)
@pytest.mark.parametrize("facts", [ProfileFacts(), with_x(None)], ids=["missing", "null"])
def test_property_op_on_a_missing_or_null_property(op, value, expected, facts):
    assert holds(prop(op, value), facts) is expected


@pytest.mark.parametrize(
    ("op", "value", "actual"),
    [
        ("eq", 1, True),
        ("eq", True, 1),
        ("eq", 0, False),
        ("eq", False, 0),
        ("in", [1, 2], True),
        ("in", [True], 1),
        ("contains", 1, [True]),
        ("contains", True, [1]),
    ],
)
def test_bool_never_equals_a_number(op, value, actual):
    assert holds(prop(op, value), with_x(actual)) is False


def test_neq_between_bool_and_number_holds():
    assert holds(prop("neq", 1), with_x(True)) is True


def test_bool_equals_bool():
    assert holds(prop("eq", True), with_x(True)) is True
    assert holds(prop("in", [True]), with_x(True)) is True
    assert holds(prop("eq", True), with_x(False)) is False


@pytest.mark.parametrize(
    ("op", "value", "actual"),
    [
        ("gt", 1, "2"),
        ("gt", "1", 2),
        ("gte", 0, True),
        ("lt", 5, [1]),
        ("lte", "z", {"a": 1}),
    ],
)
def test_ordering_between_different_kinds_is_false(op, value, actual):
    assert holds(prop(op, value), with_x(actual)) is False


@pytest.mark.parametrize(("value", "actual"), [(1, "1 apple"), ("1", 1), ("a", {"a": 1})])
def test_contains_on_anything_but_a_matching_string_or_a_list_is_false(value, actual):
    assert holds(prop("contains", value), with_x(actual)) is False


# -- event conditions ---------------------------------------------------------------------------


def counts(**per_event: int) -> ProfileFacts:
    return ProfileFacts(counts=per_event)


def test_has_not_made_a_payment():
    segment = {"all": [CITY, NO_PAYMENT]}
    amsterdam = {"city": "Amsterdam"}
    assert holds(segment, ProfileFacts(properties=amsterdam)) is True
    assert holds(segment, ProfileFacts(properties=amsterdam, counts={"payment": 1})) is False
    assert holds(segment, ProfileFacts(properties=amsterdam, counts={"visit": 5})) is True
    assert holds(segment, ProfileFacts(properties={"city": "Utrecht"})) is False


@pytest.mark.parametrize(("count", "expected"), [(0, False), (1, True), (7, True)])
def test_performed_reads_the_all_time_counter(count, expected):
    assert holds({"event": "purchase"}, counts(purchase=count)) is expected


@pytest.mark.parametrize(("count", "expected"), [(0, True), (1, False)])
def test_not_performed_reads_the_all_time_counter(count, expected):
    assert holds({"event": "purchase", "performed": False}, counts(purchase=count)) is expected


@pytest.mark.parametrize(("count", "expected"), [(0, False), (2, False), (3, True), (4, True)])
def test_min_count_performed(count, expected):
    assert holds({"event": "purchase", "min_count": 3}, counts(purchase=count)) is expected


@pytest.mark.parametrize(("count", "expected"), [(0, True), (2, True), (3, False)])
def test_min_count_not_performed_means_fewer_than(count, expected):
    data = {"event": "purchase", "performed": False, "min_count": 3}
    assert holds(data, counts(purchase=count)) is expected


def log(*events: tuple[datetime, dict[str, Any]], name: str = "purchase") -> ProfileFacts:
    # The counter counts every event ever; a rule that needs the log must not read it.
    return ProfileFacts(counts={name: 100}, events={name: list(events)})


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_within_counts_events_inside_the_window():
    data = {"event": "purchase", "within": "P7D"}
    assert holds(data, log((days_ago(1), {}))) is True
    assert holds(data, log((days_ago(7), {}))) is True  # exactly at the edge: inside


def test_within_ignores_events_outside_the_window():
    data = {"event": "purchase", "within": "P7D"}
    assert holds(data, log((days_ago(8), {}), (days_ago(30), {}))) is False
    assert holds(data, log((days_ago(7.001), {}))) is False
    assert holds(data, ProfileFacts(counts={"purchase": 3})) is False  # no log at all: 0


def test_within_membership_changes_as_time_passes():
    data = {"event": "purchase", "within": "P7D"}
    facts = log((datetime(2026, 3, 10, 9, 0, tzinfo=UTC), {}))
    assert holds(data, facts, now=datetime(2026, 3, 17, 9, 0, tzinfo=UTC)) is True
    assert holds(data, facts, now=datetime(2026, 3, 17, 9, 1, tzinfo=UTC)) is False


def test_not_performed_within_a_window():
    data = {"event": "purchase", "performed": False, "within": "P7D"}
    assert holds(data, log((days_ago(30), {}))) is True
    assert holds(data, log((days_ago(3), {}))) is False


def test_min_count_within_a_window_counts_only_recent_events():
    data = {"event": "purchase", "min_count": 2, "within": "P30D"}
    assert holds(data, log((days_ago(1), {}), (days_ago(40), {}))) is False
    assert holds(data, log((days_ago(1), {}), (days_ago(29), {}))) is True


def test_where_matches_the_event_properties_not_the_profile():
    data = {"event": "purchase", "where": {"property": "plan", "op": "eq", "value": "pro"}}
    pro = ProfileFacts(
        properties={"plan": "free"}, events={"purchase": [(days_ago(1), {"plan": "pro"})]}
    )
    free = ProfileFacts(
        properties={"plan": "pro"}, events={"purchase": [(days_ago(1), {"plan": "free"})]}
    )
    assert holds(data, pro) is True
    assert holds(data, free) is False


def test_where_with_a_missing_event_property():
    data = {"event": "purchase", "where": prop("not_exists", name="coupon")}
    assert holds(data, log((days_ago(1), {"plan": "pro"}))) is True
    assert holds(data, log((days_ago(1), {"coupon": "X"}))) is False


def test_design_example_pro_purchases_in_the_last_30_days():
    inside_pro = (days_ago(2), {"plan": "pro"})
    inside_free = (days_ago(3), {"plan": "free"})
    outside_pro = (days_ago(45), {"plan": "pro"})
    assert holds(PRO_BUYER, log(inside_pro, inside_free, outside_pro)) is False
    assert holds(PRO_BUYER, log(inside_pro, inside_free, outside_pro, inside_pro)) is True


def test_events_of_other_names_do_not_count():
    facts = ProfileFacts(counts={"visit": 3}, events={"visit": [(days_ago(1), {})]})
    assert holds({"event": "purchase"}, facts) is False
    assert holds({"event": "purchase", "within": "P1D"}, facts) is False


# -- groups -------------------------------------------------------------------------------------


AMS = ProfileFacts(properties={"city": "Amsterdam", "age": 30})
YES = CITY
NO = {"property": "city", "op": "eq", "value": "Utrecht"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"all": [YES]}, True),
        ({"all": [YES, YES]}, True),
        ({"all": [YES, NO]}, False),
        ({"any": [NO]}, False),
        ({"any": [NO, YES]}, True),
        ({"not": YES}, False),
        ({"not": NO}, True),
        ({"not": {"not": YES}}, True),
        ({"all": [YES, {"any": [NO, {"not": NO}]}]}, True),
        ({"any": [NO, {"all": [YES, {"not": YES}]}]}, False),
        ({"not": {"any": [NO, {"all": [YES, prop("gte", 18, name="age")]}]}}, False),
    ],
)
def test_all_any_not_nesting(data, expected):
    assert holds(data, AMS) is expected


def test_evaluate_accepts_a_bare_rule_member():
    condition = PropertyCondition(property="city", op="eq", value="Amsterdam")
    assert evaluate(condition, AMS, NOW) is True
    assert evaluate(NotRule(not_=condition), AMS, NOW) is False
