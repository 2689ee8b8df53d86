"""Workflow triggers: segment entered or left, events with a property filter, and their words."""

import pytest

from flowline.definitions.triggers import (
    EventTrigger,
    PropertyFilter,
    SegmentEnteredTrigger,
    SegmentLeftTrigger,
    trigger_in_words,
)
from flowline.definitions.workflows import WorkflowDefinition
from tests.definitions.builders import body, errors, locs


def test_segment_entered_trigger_is_parsed():
    defn = WorkflowDefinition.model_validate(
        body(trigger={"type": "segment_entered", "segment_id": 3})
    )
    assert defn.trigger == SegmentEnteredTrigger(type="segment_entered", segment_id=3)


def test_segment_left_trigger_is_parsed():
    defn = WorkflowDefinition.model_validate(
        body(trigger={"type": "segment_left", "segment_id": 3})
    )
    assert defn.trigger == SegmentLeftTrigger(type="segment_left", segment_id=3)


def test_event_trigger_without_filter_is_parsed():
    defn = WorkflowDefinition.model_validate(body(trigger={"type": "event", "event": "purchase"}))
    assert defn.trigger == EventTrigger(type="event", event="purchase")
    assert defn.trigger.filter is None


@pytest.mark.parametrize("event", ["", " ", "\t"])
def test_empty_trigger_event_name_is_rejected_with_its_path(event):
    assert locs(body(trigger={"type": "event", "event": event})) == [("trigger", "event", "event")]


def test_missing_trigger_event_name_is_rejected_with_its_path():
    assert errors(body(trigger={"type": "event"})) == [(("trigger", "event", "event"), "missing")]


def test_trigger_event_name_longer_than_255_characters_is_rejected():
    assert locs(body(trigger={"type": "event", "event": "x" * 256})) == [
        ("trigger", "event", "event")
    ]


def test_trigger_event_name_of_255_characters_is_accepted():
    defn = WorkflowDefinition.model_validate(body(trigger={"type": "event", "event": "x" * 255}))
    assert defn.trigger == EventTrigger(type="event", event="x" * 255)


def test_unknown_trigger_type_is_rejected():
    assert errors(body(trigger={"type": "page_viewed"})) == [(("trigger",), "union_tag_invalid")]


def test_trigger_without_type_is_rejected():
    assert errors(body(trigger={"segment_id": 3})) == [(("trigger",), "union_tag_not_found")]


def test_segment_trigger_without_segment_id_is_rejected_with_its_path():
    assert errors(body(trigger={"type": "segment_left"})) == [
        (("trigger", "segment_left", "segment_id"), "missing")
    ]


def test_segment_trigger_with_non_integer_segment_id_is_rejected():
    assert locs(body(trigger={"type": "segment_entered", "segment_id": "vip"})) == [
        ("trigger", "segment_entered", "segment_id")
    ]


def test_trigger_filter_with_empty_property_is_rejected_with_its_path():
    trigger = {"type": "event", "event": "x", "filter": {"property": "", "value": "ticket"}}
    assert locs(body(trigger=trigger)) == [("trigger", "event", "filter", "property")]


def test_trigger_filter_with_null_value_is_rejected():
    trigger = {"type": "event", "event": "x", "filter": {"property": "p", "value": None}}
    found = locs(body(trigger=trigger))
    assert found
    assert all(loc[:4] == ("trigger", "event", "filter", "value") for loc in found)


def test_trigger_filter_with_unknown_field_is_rejected():
    trigger = {"type": "event", "event": "x", "filter": {"property": "p", "value": 1, "op": "eq"}}
    assert errors(body(trigger=trigger)) == [
        (("trigger", "event", "filter", "op"), "extra_forbidden")
    ]


@pytest.mark.parametrize(
    ("value", "kind"), [(True, bool), (False, bool), (1, int), (1.5, float), ("1", str)]
)
def test_trigger_filter_value_keeps_its_json_type(value, kind):
    trigger = {"type": "event", "event": "x", "filter": {"property": "p", "value": value}}
    parsed = WorkflowDefinition.model_validate(body(trigger=trigger)).trigger.filter.value
    assert type(parsed) is kind
    assert parsed == value


def test_trigger_in_words_describes_each_trigger_type():
    assert trigger_in_words(SegmentEnteredTrigger(type="segment_entered", segment_id=3)) == (
        "profile added to segment 3"
    )
    assert trigger_in_words(SegmentLeftTrigger(type="segment_left", segment_id=4)) == (
        "profile removed from segment 4"
    )
    assert trigger_in_words(EventTrigger(type="event", event="purchase")) == "event 'purchase'"
    filtered = EventTrigger(
        type="event", event="purchase", filter=PropertyFilter(property="event_name", value="ticket")
    )
    assert trigger_in_words(filtered) == "event 'purchase' where event_name = 'ticket'"
