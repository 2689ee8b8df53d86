"""Segment rules: validation and its error paths, evaluation, helpers, words, JSON round-trip."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from flowline.definitions.segments import (
    MAX_RULE_CONDITIONS,
    MAX_RULE_DEPTH,
    AllRule,
    AnyRule,
    EventCondition,
    NotRule,
    ProfileFacts,
    PropertyCondition,
    SegmentRule,
    describe_rule,
    evaluate,
    has_time_window,
    log_event_names,
    max_window,
    rule_event_names,
)

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)

# The examples of DESIGN §3.
CITY = {"property": "city", "op": "eq", "value": "Amsterdam"}
NO_PAYMENT = {"event": "payment", "performed": False}
PRO_BUYER = {
    "event": "purchase",
    "performed": True,
    "min_count": 2,
    "within": "P30D",
    "where": {"property": "plan", "op": "eq", "value": "pro"},
}


def rule(data: Any) -> SegmentRule:
    return SegmentRule.model_validate(data)


def errors(data: Any) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as info:
        SegmentRule.model_validate(data)
    return [(e["loc"], e["msg"]) for e in info.value.errors()]


def prop(op: str, value: Any = None, name: str = "x") -> dict[str, Any]:
    data: dict[str, Any] = {"property": name, "op": op}
    if value is not None:
        data["value"] = value
    return data


def holds(data: Any, facts: ProfileFacts | None = None, now: datetime = NOW) -> bool:
    return evaluate(rule(data), facts or ProfileFacts(), now)


def with_x(value: Any) -> ProfileFacts:
    return ProfileFacts(properties={"x": value})


# -- parsing ------------------------------------------------------------------------------------


def test_design_examples_parse_to_their_models():
    parsed = rule({"all": [CITY, NO_PAYMENT, {"any": [PRO_BUYER, {"not": CITY}]}]}).root
    assert isinstance(parsed, AllRule)
    city, payment, group = parsed.all
    assert city == PropertyCondition(property="city", op="eq", value="Amsterdam")
    assert payment == EventCondition(event="payment", performed=False)
    assert isinstance(group, AnyRule)
    buyer, negated = group.any
    assert isinstance(buyer, EventCondition)
    assert buyer.min_count == 2
    assert buyer.within == timedelta(days=30)
    assert buyer.where == PropertyCondition(property="plan", op="eq", value="pro")
    assert isinstance(negated, NotRule)
    assert negated.not_ == PropertyCondition(property="city", op="eq", value="Amsterdam")


def test_event_condition_defaults_to_performed_once_ever():
    condition = rule({"event": "signup"}).root
    assert condition == EventCondition(event="signup", performed=True, min_count=1)
    assert condition.within is None and condition.where is None


def test_within_accepts_seconds_as_well_as_iso8601():
    condition = rule({"event": "visit", "within": 3600}).root
    assert isinstance(condition, EventCondition)
    assert condition.within == timedelta(hours=1)


def test_not_rule_can_be_built_by_field_name_in_python():
    built = NotRule(not_=PropertyCondition(property="city", op="exists"))
    assert built.model_dump() == {"not": {"property": "city", "op": "exists", "value": None}}


def test_segment_rule_accepts_already_built_models():
    built = AllRule(all=[PropertyCondition(property="city", op="exists")])
    assert SegmentRule.model_validate(built).root == built
    assert SegmentRule(built).root == built


@pytest.mark.parametrize(
    "data",
    [
        CITY,
        NO_PAYMENT,
        PRO_BUYER,
        {"all": [CITY, {"not": NO_PAYMENT}, {"any": [PRO_BUYER, prop("exists", name="email")]}]},
        {"property": "tags", "op": "in", "value": ["a", 1, True]},
        {"event": "visit", "within": "PT90M", "where": prop("contains", "docs", name="path")},
    ],
)
def test_json_round_trip_gives_back_the_same_rule(data):
    original = rule(data)
    dumped = original.model_dump(mode="json", by_alias=True)
    assert SegmentRule.model_validate(dumped) == original
    assert SegmentRule.model_validate_json(original.model_dump_json()) == original


def test_not_is_serialised_under_its_json_key_by_default():
    dumped = rule({"not": CITY}).model_dump(mode="json")
    assert dumped == {"not": {"property": "city", "op": "eq", "value": "Amsterdam"}}


def test_json_schema_can_be_generated_for_openapi():
    schema = SegmentRule.model_json_schema()
    assert {"AllRule", "AnyRule", "NotRule", "PropertyCondition", "EventCondition"} <= set(
        schema["$defs"]
    )


# -- validation errors and their paths ----------------------------------------------------------


def test_unknown_op_is_reported_at_its_path_without_union_tags():
    [(loc, msg)] = errors({"all": [CITY, {"property": "city", "op": "like", "value": "A"}]})
    assert loc == ("all", 1, "op")
    assert "'eq'" in msg and "'not_exists'" in msg


def test_missing_value_is_reported_on_value():
    assert errors({"property": "city", "op": "eq"}) == [
        (("value",), "Value error, 'eq' needs a value")
    ]


def test_null_value_counts_as_missing():
    assert errors({"any": [{"property": "city", "op": "neq", "value": None}]}) == [
        (("any", 0, "value"), "Value error, 'neq' needs a value")
    ]


@pytest.mark.parametrize("value", ["Amsterdam", 3, []])
def test_in_needs_a_non_empty_list(value):
    assert errors({"property": "city", "op": "in", "value": value}) == [
        (("value",), "Value error, 'in' needs a non-empty list of values")
    ]


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("value", [True, [1], {"a": 1}])
def test_ordering_ops_need_a_number_or_a_string(op, value):
    assert errors({"property": "age", "op": op, "value": value}) == [
        (("value",), f"Value error, '{op}' needs a number or a string")
    ]


@pytest.mark.parametrize("op", ["exists", "not_exists"])
def test_exists_ops_take_no_value(op):
    assert rule({"property": "email", "op": op}).root == PropertyCondition(property="email", op=op)
    assert errors({"property": "email", "op": op, "value": "x"}) == [
        (("value",), f"Value error, '{op}' takes no value")
    ]


def test_empty_all_and_any_are_refused():
    [(loc, msg)] = errors({"all": []})
    assert loc == ("all",) and "at least 1 item" in msg
    [(loc, msg)] = errors({"not": {"any": []}})
    assert loc == ("not", "any") and "at least 1 item" in msg


def test_unknown_key_next_to_a_rule_key_is_refused():
    [(loc, msg)] = errors({"all": [{**CITY, "colour": "red"}]})
    assert loc == ("all", 0, "colour")
    assert msg == "Extra inputs are not permitted"


@pytest.mark.parametrize("data", [{"colour": "red"}, {}, "city = Amsterdam", 3, None])
def test_something_that_is_no_rule_gets_a_clear_error(data):
    assert errors(data) == [((), "a rule needs one of: all, any, not, property, event")]


def test_no_rule_inside_a_group_is_reported_at_its_index():
    assert errors({"any": [CITY, {"colour": "red"}]}) == [
        (("any", 1), "a rule needs one of: all, any, not, property, event")
    ]


def test_within_of_zero_is_refused_at_its_path():
    assert errors({"not": {"event": "payment", "within": "PT0S"}}) == [
        (("not", "within"), "Value error, duration must be greater than zero")
    ]


def test_bad_where_is_reported_inside_the_event_condition():
    data = {"all": [CITY, {"any": [{"event": "purchase", "where": {"property": "plan"}}]}]}
    [(loc, msg)] = errors(data)
    assert loc == ("all", 1, "any", 0, "where", "op")
    assert msg == "Field required"


@pytest.mark.parametrize("min_count", [0, -1])
def test_min_count_must_be_at_least_one(min_count):
    [(loc, _)] = errors({"event": "purchase", "min_count": min_count})
    assert loc == ("min_count",)


@pytest.mark.parametrize("data", [{"event": ""}, {"event": "  "}, {"property": "", "op": "exists"}])
def test_empty_names_are_refused(data):
    [(loc, _)] = errors(data)
    assert loc == (next(iter(data)),)


def test_several_errors_are_all_reported_with_their_paths():
    data = {"all": [{"property": "a", "op": "eq"}, {"not": {"event": "p", "min_count": 0}}]}
    assert [loc for loc, _ in errors(data)] == [("all", 0, "value"), ("all", 1, "not", "min_count")]


def test_paths_stay_readable_when_the_rule_is_a_field_of_another_model():
    class SegmentBody(BaseModel):
        name: str
        rule: SegmentRule

    with pytest.raises(ValidationError) as info:
        SegmentBody.model_validate_json(
            '{"name": "x", "rule": {"any": [{"property": "a", "op": "between", "value": 1}]}}'
        )
    assert [e["loc"] for e in info.value.errors()] == [("rule", "any", 0, "op")]


def nested_nots(levels: int) -> dict[str, Any]:
    data: dict[str, Any] = CITY
    for _ in range(levels):
        data = {"not": data}
    return data


def test_nesting_up_to_the_depth_limit_is_allowed():
    assert isinstance(rule(nested_nots(MAX_RULE_DEPTH)).root, NotRule)


def test_nesting_beyond_the_depth_limit_is_refused():
    [(loc, msg)] = errors(nested_nots(MAX_RULE_DEPTH + 1))
    assert loc == ()
    assert msg == "Value error, a rule nests all/any/not at most 8 levels deep"


def test_absurdly_deep_nesting_is_refused_without_walking_all_of_it():
    [(_, msg)] = errors(nested_nots(10_000))
    assert "at most 8 levels deep" in msg


def test_up_to_the_condition_limit_is_allowed():
    data = {"all": [CITY] * (MAX_RULE_CONDITIONS - 1) + [{"event": "p", "where": CITY}]}
    assert len(rule(data).root.all) == MAX_RULE_CONDITIONS  # `where` is part of its condition


def test_more_conditions_than_the_limit_are_refused():
    data = {"any": [{"all": [CITY] * 30}, {"all": [NO_PAYMENT] * 21}]}
    assert errors(data) == [((), "Value error, a rule has at most 50 conditions; this one has 51")]


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


# -- helpers ------------------------------------------------------------------------------------

MIXED = {
    "any": [
        NO_PAYMENT,
        {"not": PRO_BUYER},
        {"event": "visit", "within": "PT12H"},
        {"event": "signup", "where": prop("eq", "web", name="source")},
        CITY,
    ]
}


def test_rule_event_names_lists_every_event():
    assert rule_event_names(rule(MIXED)) == {"payment", "purchase", "visit", "signup"}
    assert rule_event_names(rule(CITY)) == set()


def test_log_event_names_lists_events_with_a_where_or_a_within():
    assert log_event_names(rule(MIXED)) == {"purchase", "visit", "signup"}
    assert (
        log_event_names(rule({"all": [NO_PAYMENT, {"event": "purchase", "min_count": 5}]})) == set()
    )


def test_has_time_window():
    assert has_time_window(rule(MIXED)) is True
    assert has_time_window(rule({"not": {"event": "signup", "where": CITY}})) is False
    assert has_time_window(rule(CITY)) is False


def test_max_window_is_the_longest_within():
    assert max_window(rule(MIXED)) == timedelta(days=30)
    assert max_window(rule({"event": "visit", "within": "PT12H"})) == timedelta(hours=12)
    assert max_window(rule({"all": [CITY, NO_PAYMENT]})) is None


def test_helpers_accept_a_bare_rule_member():
    condition = EventCondition(event="visit", within=timedelta(hours=1))
    assert rule_event_names(condition) == log_event_names(condition) == {"visit"}
    assert has_time_window(condition) is True
    assert max_window(condition) == timedelta(hours=1)


# -- words --------------------------------------------------------------------------------------


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


def test_log_windows_take_the_widest_reach_per_event_name() -> None:
    from datetime import timedelta

    from flowline.definitions.segments import log_windows

    rule = SegmentRule.model_validate(
        {
            "all": [
                {"event": "visit", "within": "P1D"},
                {"event": "visit", "within": "P7D"},
                {"event": "buy", "where": {"property": "plan", "op": "eq", "value": "pro"}},
                {"event": "buy", "within": "P1D"},
                {"event": "open"},
            ]
        }
    )
    assert log_windows(rule) == {"visit": timedelta(days=7), "buy": None}
