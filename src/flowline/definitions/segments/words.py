"""Short words for a rule in the UI: `describe_rule(rule)`.

`{"all": [{"property": "city", "op": "eq", "value": "Amsterdam"}, {"event": "payment",
"performed": false}]}` reads `city = 'Amsterdam' and has not performed 'payment'`.
"""

from typing import Any

from flowline.definitions.durations import humanize
from flowline.definitions.segments.rules import (
    AllRule,
    AnyRule,
    EventCondition,
    NotRule,
    PropertyCondition,
)
from flowline.definitions.segments.segment_rule import AnyRuleNode, SegmentRule

_OP_WORDS = {
    "eq": "=",
    "neq": "≠",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "contains": "contains",
}


def _value_words(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _property_words(condition: PropertyCondition) -> str:
    name = condition.property
    if condition.op == "exists":
        return f"{name} is set"
    if condition.op == "not_exists":
        return f"{name} is not set"
    if condition.op == "in":
        return f"{name} is one of " + ", ".join(_value_words(v) for v in condition.value)
    return f"{name} {_OP_WORDS[condition.op]} {_value_words(condition.value)}"


def _event_words(condition: EventCondition, performed: bool) -> str:
    event = repr(condition.event)
    if condition.min_count == 1:
        words = f"has {'' if performed else 'not '}performed {event}"
    else:
        bound = "at least" if performed else "fewer than"
        words = f"has performed {event} {bound} {condition.min_count} times"
    if condition.where is not None:
        words += f" with {_property_words(condition.where)}"
    if condition.within is not None:
        words += f" in the last {humanize(condition.within)}"
    return words


def _children(rule: AllRule | AnyRule) -> list[Any]:
    return rule.all if isinstance(rule, AllRule) else rule.any


def _words(rule: Any, nested: bool) -> str:
    if isinstance(rule, PropertyCondition):
        return _property_words(rule)
    if isinstance(rule, EventCondition):
        return _event_words(rule, rule.performed)
    if isinstance(rule, NotRule):
        inner = rule.not_
        while isinstance(inner, AllRule | AnyRule) and len(_children(inner)) == 1:
            inner = _children(inner)[0]
        if isinstance(inner, EventCondition):  # "has not performed", not "not has performed"
            return _event_words(inner, not inner.performed)
        if isinstance(inner, PropertyCondition):
            return f"not ({_property_words(inner)})"
        return f"not {_words(inner, nested=True)}"
    children = _children(rule)
    joiner = " and " if isinstance(rule, AllRule) else " or "
    if len(children) == 1:
        return _words(children[0], nested)
    text = joiner.join(_words(child, nested=True) for child in children)
    return f"({text})" if nested else text


def describe_rule(rule: AnyRuleNode) -> str:
    """Short words for the UI: `city = 'Amsterdam' and has not performed 'payment'`."""
    if isinstance(rule, SegmentRule):
        rule = rule.root
    return _words(rule, nested=False)
