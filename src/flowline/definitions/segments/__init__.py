"""Segment rules: the JSON language of DESIGN §3, its validation, and evaluation. No I/O here.

    {"all": [rule, ...]}   {"any": [rule, ...]}   {"not": rule}
    {"property": "city", "op": "eq", "value": "Amsterdam"}
    {"event": "purchase", "performed": true, "min_count": 2, "within": "P30D",
     "where": {"property": "plan", "op": "eq", "value": "pro"}}

- `rules`: the pydantic model of each JSON shape and the `Rule` union of them.
- `segment_rule`: `SegmentRule`, a whole rule: nesting and size limits, readable error paths.
- `inspection`: which events a rule reads and how far back (`log_windows`, `has_time_window`).
- `evaluation`: `evaluate(rule, facts, now)`, whether a profile meets a rule.
- `words`: `describe_rule(rule)`, the rule in short words for the UI.

Import from this package, not from its modules.
"""

from flowline.definitions.segments.evaluation import (
    Check,
    ProfileFacts,
    compile_rule,
    evaluate,
    event_matches,
)
from flowline.definitions.segments.inspection import (
    counted_conditions,
    has_time_window,
    log_event_names,
    log_windows,
    max_window,
    rule_event_names,
    wider_window,
)
from flowline.definitions.segments.rules import (
    AllRule,
    AnyRule,
    EventCondition,
    NotRule,
    PropertyCondition,
    PropertyOp,
    Rule,
)
from flowline.definitions.segments.segment_rule import (
    MAX_RULE_CONDITIONS,
    MAX_RULE_DEPTH,
    AnyRuleNode,
    SegmentRule,
)
from flowline.definitions.segments.words import describe_rule

__all__ = [
    "MAX_RULE_CONDITIONS",
    "MAX_RULE_DEPTH",
    "AllRule",
    "AnyRule",
    "AnyRuleNode",
    "Check",
    "EventCondition",
    "NotRule",
    "ProfileFacts",
    "PropertyCondition",
    "PropertyOp",
    "Rule",
    "SegmentRule",
    "compile_rule",
    "counted_conditions",
    "describe_rule",
    "evaluate",
    "event_matches",
    "has_time_window",
    "log_event_names",
    "log_windows",
    "max_window",
    "rule_event_names",
    "wider_window",
]
