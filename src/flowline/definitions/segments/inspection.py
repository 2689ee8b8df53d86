"""What a rule needs of a profile: the event names it reads, and how far back in time.

Segment state uses these to load only the events a segment can look at; `has_time_window`
marks the segments whose membership can change by time passing alone, which a periodic
refresh re-evaluates.
"""

from collections.abc import Iterator
from datetime import timedelta

from flowline.definitions.segments.rules import AllRule, AnyRule, EventCondition, NotRule
from flowline.definitions.segments.segment_rule import AnyRuleNode, SegmentRule


def _event_conditions(rule: AnyRuleNode) -> Iterator[EventCondition]:
    if isinstance(rule, SegmentRule):
        rule = rule.root
    if isinstance(rule, EventCondition):
        yield rule
    elif isinstance(rule, AllRule):
        for child in rule.all:
            yield from _event_conditions(child)
    elif isinstance(rule, AnyRule):
        for child in rule.any:
            yield from _event_conditions(child)
    elif isinstance(rule, NotRule):
        yield from _event_conditions(rule.not_)


def rule_event_names(rule: AnyRuleNode) -> set[str]:
    """Every event name the rule looks at."""
    return {condition.event for condition in _event_conditions(rule)}


def log_event_names(rule: AnyRuleNode) -> set[str]:
    """Event names whose individual events the rule needs (a `where` or a `within`)."""
    return {condition.event for condition in _event_conditions(rule) if condition.needs_log}


def log_windows(rule: AnyRuleNode, *, counted: bool = False) -> dict[str, timedelta | None]:
    """For each event name the rule needs individual events of: how far back it looks.

    `None` means all of them (a `where` without `within`). With `counted`, the counted
    conditions are left out: per-condition counters answer them (`counted_conditions`).
    """
    windows: dict[str, timedelta | None] = {}
    for condition in _event_conditions(rule):
        if not condition.needs_log or (counted and condition.counted):
            continue
        windows[condition.event] = wider_window(
            windows.get(condition.event, condition.within),
            condition.within,
            condition.event in windows,
        )
    return windows


def counted_conditions(rule: AnyRuleNode) -> dict[str, EventCondition]:
    """The rule's conditions with a `where` and no `within`, by `counter_key`."""
    return {c.counter_key: c for c in _event_conditions(rule) if c.counted}


def wider_window(known: timedelta | None, window: timedelta | None, seen: bool) -> timedelta | None:
    """The reach that covers both (None covers everything)."""
    if window is None or (seen and known is None):
        return None
    return window if known is None else max(known, window)


def has_time_window(rule: AnyRuleNode) -> bool:
    """Whether membership can change by time passing alone."""
    return any(condition.within is not None for condition in _event_conditions(rule))


def max_window(rule: AnyRuleNode) -> timedelta | None:
    """The longest `within` of the rule: how far back its events must be kept."""
    windows = [c.within for c in _event_conditions(rule) if c.within is not None]
    return max(windows) if windows else None
