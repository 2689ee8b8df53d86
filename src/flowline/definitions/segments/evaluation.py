"""Whether a profile meets a rule: `evaluate(rule, facts, now)`.

Called for every segment of every profile touched by ingestion, so it is plain Python over the
validated models, no pydantic work and no I/O. Comparisons are strict about kinds: `true` never
equals `1`, and a number is never ordered against a string.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flowline.definitions.segments.rules import (
    AllRule,
    AnyRule,
    EventCondition,
    NotRule,
    PropertyCondition,
)
from flowline.definitions.segments.segment_rule import AnyRuleNode, SegmentRule


@dataclass(frozen=True)
class ProfileFacts:
    """What evaluation knows of one profile.

    `events` holds the individual events `(timestamp, properties)` of the names in
    `log_event_names(rule)` only; every other event condition reads `counts`.
    `condition_counts`, when given, answers the counted conditions (a `where` without
    `within`) by their `counter_key` (missing: 0), so their events need not be loaded;
    without it they are counted from `events`.
    """

    properties: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    events: dict[str, list[tuple[datetime, dict[str, Any]]]] = field(default_factory=dict)
    condition_counts: dict[str, int] | None = None


def _equal(actual: Any, expected: Any) -> bool:
    # bool is an int in Python: never let `true` equal `1`.
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual is expected
    return bool(actual == expected)


def _comparable(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str)
    return (
        isinstance(actual, int | float)
        and not isinstance(actual, bool)
        and isinstance(expected, int | float)
        and not isinstance(expected, bool)
    )


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    if isinstance(actual, list):
        return any(_equal(item, expected) for item in actual)
    return False


def _one_of(actual: Any, expected: Any) -> bool:
    return any(_equal(actual, item) for item in expected)


_PRESENT_OPS: dict[str, Any] = {
    "eq": _equal,
    "neq": lambda a, e: not _equal(a, e),
    "gt": lambda a, e: _comparable(a, e) and a > e,
    "gte": lambda a, e: _comparable(a, e) and a >= e,
    "lt": lambda a, e: _comparable(a, e) and a < e,
    "lte": lambda a, e: _comparable(a, e) and a <= e,
    "contains": _contains,
    "in": _one_of,
    "exists": lambda a, e: True,
    "not_exists": lambda a, e: False,
}
# A missing (or null) property: only "is not" holds.
_MISSING_HOLDS = frozenset({"neq", "not_exists"})


def _property_matches(condition: PropertyCondition, properties: dict[str, Any]) -> bool:
    actual = properties.get(condition.property)
    if actual is None:
        return condition.op in _MISSING_HOLDS
    return bool(_PRESENT_OPS[condition.op](actual, condition.value))


def _event_count(condition: EventCondition, facts: ProfileFacts, now: datetime) -> int:
    """How many matching events, counting no further than `min_count`."""
    if condition.within is None:
        if condition.where is None:
            return facts.counts.get(condition.event, 0)
        if facts.condition_counts is not None:
            return facts.condition_counts.get(condition.counter_key, 0)
    cutoff = now - condition.within if condition.within is not None else None
    where = condition.where
    wanted = condition.min_count
    count = 0
    for timestamp, properties in facts.events.get(condition.event, ()):
        if cutoff is not None and timestamp < cutoff:
            continue
        if where is not None and not _property_matches(where, properties):
            continue
        count += 1
        if count >= wanted:
            break
    return count


def event_matches(condition: EventCondition, name: str, properties: dict[str, Any]) -> bool:
    """Whether one event counts for the condition, time aside (its name and its `where`)."""
    if name != condition.event:
        return False
    return condition.where is None or _property_matches(condition.where, properties)


Check = Callable[[ProfileFacts, datetime], bool]
"""A compiled rule: whether the profile described by the facts meets it at a moment."""


def _compile_property(rule: PropertyCondition) -> Check:
    name, value = rule.property, rule.value
    test = _PRESENT_OPS[rule.op]
    missing = rule.op in _MISSING_HOLDS

    def check(facts: ProfileFacts, now: datetime) -> bool:
        actual = facts.properties.get(name)
        return missing if actual is None else bool(test(actual, value))

    return check


def _compile_event(rule: EventCondition) -> Check:
    event, wanted, performed = rule.event, rule.min_count, rule.performed
    if rule.within is None and rule.where is None:

        def counted(facts: ProfileFacts, now: datetime) -> bool:
            return (facts.counts.get(event, 0) >= wanted) is performed

        return counted
    if rule.within is None:
        key = rule.counter_key

        def by_counter(facts: ProfileFacts, now: datetime) -> bool:
            if facts.condition_counts is None:
                return (_event_count(rule, facts, now) >= wanted) is performed
            return (facts.condition_counts.get(key, 0) >= wanted) is performed

        return by_counter

    def from_log(facts: ProfileFacts, now: datetime) -> bool:
        return (_event_count(rule, facts, now) >= wanted) is performed

    return from_log


def compile_rule(rule: AnyRuleNode) -> Check:
    """The rule as one function of (facts, now): evaluation without walking the models' types
    again for every profile (ingestion evaluates every segment of every profile it touches)."""
    if isinstance(rule, SegmentRule):
        rule = rule.root
    if isinstance(rule, PropertyCondition):
        return _compile_property(rule)
    if isinstance(rule, EventCondition):
        return _compile_event(rule)
    if isinstance(rule, AllRule | AnyRule):
        children = [
            compile_rule(child) for child in (rule.all if isinstance(rule, AllRule) else rule.any)
        ]
        if isinstance(rule, AllRule):
            return lambda facts, now: all(child(facts, now) for child in children)
        return lambda facts, now: any(child(facts, now) for child in children)
    if isinstance(rule, NotRule):
        inner = compile_rule(rule.not_)
        return lambda facts, now: not inner(facts, now)
    raise TypeError(f"not a segment rule: {rule!r}")


def evaluate(rule: AnyRuleNode, facts: ProfileFacts, now: datetime) -> bool:
    """Whether the profile described by `facts` meets the rule at `now`."""
    return compile_rule(rule)(facts, now)
