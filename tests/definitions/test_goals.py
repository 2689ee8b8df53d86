"""Workflow goals: an event (with its filter) or entering a segment."""

import pytest

from flowline.definitions.triggers import EventGoal, PropertyFilter, SegmentGoal
from flowline.definitions.workflows import WorkflowDefinition
from tests.definitions.builders import body, errors, locs


def test_event_goal_is_parsed():
    defn = WorkflowDefinition.model_validate(body(goal={"event": "purchase"}))
    assert defn.goal == EventGoal(event="purchase")


def test_event_goal_with_filter_is_parsed():
    goal = {"event": "purchase", "filter": {"property": "plan", "value": "pro"}}
    defn = WorkflowDefinition.model_validate(body(goal=goal))
    assert defn.goal == EventGoal(
        event="purchase", filter=PropertyFilter(property="plan", value="pro")
    )


def test_segment_goal_is_parsed():
    defn = WorkflowDefinition.model_validate(body(goal={"segment_entered": 3}))
    assert defn.goal == SegmentGoal(segment_entered=3)


def test_null_goal_means_no_goal():
    assert WorkflowDefinition.model_validate(body(goal=None)).goal is None


def test_goal_model_instances_are_accepted():
    assert WorkflowDefinition.model_validate(body(goal=SegmentGoal(segment_entered=9))).goal == (
        SegmentGoal(segment_entered=9)
    )
    assert WorkflowDefinition.model_validate(body(goal=EventGoal(event="paid"))).goal == (
        EventGoal(event="paid")
    )


@pytest.mark.parametrize("event", ["", " "])
def test_empty_goal_event_name_is_rejected_with_its_path(event):
    assert locs(body(goal={"event": event})) == [("goal", "event", "event")]


def test_empty_goal_object_is_rejected_as_a_missing_event():
    assert errors(body(goal={})) == [(("goal", "event", "event"), "missing")]


def test_goal_that_is_not_an_object_is_rejected():
    assert locs(body(goal="purchase")) == [("goal", "event")]


def test_segment_goal_with_non_integer_segment_is_rejected_with_its_path():
    assert locs(body(goal={"segment_entered": "vip"})) == [("goal", "segment", "segment_entered")]


def test_goal_mixing_segment_and_event_is_rejected():
    assert errors(body(goal={"segment_entered": 3, "event": "purchase"})) == [
        (("goal", "segment", "event"), "extra_forbidden")
    ]


def test_goal_filter_with_empty_property_is_rejected_with_its_path():
    goal = {"event": "purchase", "filter": {"property": " ", "value": "x"}}
    assert locs(body(goal=goal)) == [("goal", "event", "filter", "property")]
