"""Segment rules: parsing, JSON round-trip, validation errors with their paths, and limits."""

from datetime import timedelta
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
    PropertyCondition,
    SegmentRule,
)
from tests.definitions.builders import CITY, NO_PAYMENT, PRO_BUYER, prop, rule


def errors(data: Any) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as info:
        SegmentRule.model_validate(data)
    return [(e["loc"], e["msg"]) for e in info.value.errors()]


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
        (("value",), "Value error, Enter a value: 'eq' needs one.")
    ]


def test_null_value_counts_as_missing():
    assert errors({"any": [{"property": "city", "op": "neq", "value": None}]}) == [
        (("any", 0, "value"), "Value error, Enter a value: 'neq' needs one.")
    ]


@pytest.mark.parametrize("value", ["Amsterdam", 3, []])
def test_in_needs_a_non_empty_list(value):
    assert errors({"property": "city", "op": "in", "value": value}) == [
        (("value",), "Value error, Enter a list of one or more values for 'in'.")
    ]


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("value", [True, [1], {"a": 1}])
def test_ordering_ops_need_a_number_or_a_string(op, value):
    assert errors({"property": "age", "op": op, "value": value}) == [
        (("value",), f"Value error, Enter a number or text as the value of '{op}'.")
    ]


@pytest.mark.parametrize("op", ["exists", "not_exists"])
def test_exists_ops_take_no_value(op):
    assert rule({"property": "email", "op": op}).root == PropertyCondition(property="email", op=op)
    assert errors({"property": "email", "op": op, "value": "x"}) == [
        (("value",), f"Value error, Remove the value: '{op}' takes none.")
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
    assert errors(data) == [((), "Write the condition with one of: all, any, not, property, event")]


def test_no_rule_inside_a_group_is_reported_at_its_index():
    assert errors({"any": [CITY, {"colour": "red"}]}) == [
        (("any", 1), "Write the condition with one of: all, any, not, property, event")
    ]


def test_within_of_zero_is_refused_at_its_path():
    assert errors({"not": {"event": "payment", "within": "PT0S"}}) == [
        (
            ("not", "within"),
            "Value error, Enter a duration greater than zero, such as 2 days or 30 minutes.",
        )
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
    assert msg == "Value error, Nest all/any/not at most 8 levels deep."


def test_absurdly_deep_nesting_is_refused_without_walking_all_of_it():
    [(_, msg)] = errors(nested_nots(10_000))
    assert "at most 8 levels deep" in msg


def test_up_to_the_condition_limit_is_allowed():
    data = {"all": [CITY] * (MAX_RULE_CONDITIONS - 1) + [{"event": "p", "where": CITY}]}
    assert len(rule(data).root.all) == MAX_RULE_CONDITIONS  # `where` is part of its condition


def test_more_conditions_than_the_limit_are_refused():
    data = {"any": [{"all": [CITY] * 30}, {"all": [NO_PAYMENT] * 21}]}
    assert errors(data) == [((), "Value error, a rule has at most 50 conditions; this one has 51")]
