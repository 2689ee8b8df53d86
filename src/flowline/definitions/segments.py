"""Segment rules: the JSON language of DESIGN §3, its validation, and evaluation. No I/O here.

    {"all": [rule, ...]}   {"any": [rule, ...]}   {"not": rule}
    {"property": "city", "op": "eq", "value": "Amsterdam"}
    {"event": "purchase", "performed": true, "min_count": 2, "within": "P30D",
     "where": {"property": "plan", "op": "eq", "value": "pro"}}

`SegmentRule.model_validate(json)` validates a rule. Errors carry the path of the bad field in
the JSON, e.g. `("all", 1, "op")`: pydantic puts the union tag of every rule in its paths
(`("all", "all", 1, "property", "op")`); `SegmentRule` takes those tags out.

`evaluate(rule, facts, now)` is called for every segment of every profile touched by ingestion:
it is plain Python over the validated models, no pydantic work.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    ModelWrapValidatorHandler,
    RootModel,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

from flowline.definitions.durations import PositiveDuration, humanize
from flowline.definitions.triggers import NonEmptyStr, StrictModel

MAX_RULE_DEPTH = 8
"""At most this many all/any/not groups nested inside each other."""
MAX_RULE_CONDITIONS = 50
"""At most this many property and event conditions in one rule."""

PropertyOp = Literal[
    "eq", "neq", "gt", "gte", "lt", "lte", "contains", "in", "exists", "not_exists"
]
_NO_VALUE_OPS = frozenset({"exists", "not_exists"})
_ORDER_OPS = frozenset({"gt", "gte", "lt", "lte"})
_RULE_KEYS = ("all", "any", "not", "property", "event")
_NO_RULE_KEY = "a rule needs one of: " + ", ".join(_RULE_KEYS)


class PropertyCondition(StrictModel):
    """A test on one property: of the profile, or of an event in an event condition's `where`."""

    property: NonEmptyStr
    op: PropertyOp
    value: Any = Field(default=None, validate_default=True)

    @field_validator("value")
    @classmethod
    def _value_fits_op(cls, value: Any, info: ValidationInfo) -> Any:
        op = info.data.get("op")
        if op is None:  # the op itself is invalid and reported on its own
            return value
        if op in _NO_VALUE_OPS:
            if value is not None:
                raise ValueError(f"'{op}' takes no value")
            return value
        if value is None:
            raise ValueError(f"'{op}' needs a value")
        if op == "in" and (not isinstance(value, list) or not value):
            raise ValueError("'in' needs a non-empty list of values")
        if op in _ORDER_OPS and (
            isinstance(value, bool) or not isinstance(value, int | float | str)
        ):
            raise ValueError(f"'{op}' needs a number or a string")
        return value


class EventCondition(StrictModel):
    """The profile performed (or did not perform) an event, at least `min_count` times.

    `within` limits the count to the last period before now; `where` tests the event's
    properties. Either one needs the profile's individual events, not just its counter.
    """

    event: NonEmptyStr
    performed: bool = True
    min_count: int = Field(default=1, ge=1)
    within: PositiveDuration | None = None
    where: PropertyCondition | None = None

    @property
    def needs_log(self) -> bool:
        return self.within is not None or self.where is not None


class AllRule(StrictModel):
    all: Annotated[list["Rule"], Field(min_length=1)]


class AnyRule(StrictModel):
    any: Annotated[list["Rule"], Field(min_length=1)]


class NotRule(StrictModel):
    model_config = ConfigDict(
        extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    not_: "Rule" = Field(alias="not")


def _rule_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in _RULE_KEYS:
            if key in value:
                return key
        return None
    return _MODEL_TAGS.get(type(value))


Rule = Annotated[
    Annotated[AllRule, Tag("all")]
    | Annotated[AnyRule, Tag("any")]
    | Annotated[NotRule, Tag("not")]
    | Annotated[PropertyCondition, Tag("property")]
    | Annotated[EventCondition, Tag("event")],
    Discriminator(_rule_kind, custom_error_type="rule_kind", custom_error_message=_NO_RULE_KEY),
]

_MODEL_TAGS: dict[type, str] = {
    AllRule: "all",
    AnyRule: "any",
    NotRule: "not",
    PropertyCondition: "property",
    EventCondition: "event",
}

AllRule.model_rebuild()
AnyRule.model_rebuild()
NotRule.model_rebuild()


class SegmentRule(RootModel[Rule]):
    """A whole segment rule, as stored and as the API receives it."""

    @model_validator(mode="wrap")
    @classmethod
    def _limits_and_readable_paths(
        cls, data: Any, handler: ModelWrapValidatorHandler["SegmentRule"]
    ) -> "SegmentRule":
        # Checked on the raw input first, so a deeply nested body is refused before pydantic
        # walks all of it.
        _check_limits(data)
        try:
            return handler(data)
        except ValidationError as exc:
            raise _without_union_tags(exc) from None


# -- limits ---------------------------------------------------------------------------------------


def _check_limits(data: Any) -> None:
    conditions = _count_conditions(data, 0)
    if conditions > MAX_RULE_CONDITIONS:
        raise ValueError(
            f"a rule has at most {MAX_RULE_CONDITIONS} conditions; this one has {conditions}"
        )


def _count_conditions(node: Any, depth: int) -> int:
    """Property and event conditions under `node`, raw JSON or models; refuses deep nesting."""
    if isinstance(node, SegmentRule):
        node = node.root
    children: list[Any]
    if isinstance(node, dict):
        kind = _rule_kind(node)
        if kind in ("all", "any"):
            children = node[kind] if isinstance(node[kind], list) else []
        elif kind == "not":
            children = [node["not"]]
        else:
            return 1 if kind is not None else 0
    elif isinstance(node, AllRule):
        children = node.all
    elif isinstance(node, AnyRule):
        children = node.any
    elif isinstance(node, NotRule):
        children = [node.not_]
    elif isinstance(node, PropertyCondition | EventCondition):
        return 1
    else:
        return 0
    depth += 1
    if depth > MAX_RULE_DEPTH:
        raise ValueError(f"a rule nests all/any/not at most {MAX_RULE_DEPTH} levels deep")
    return sum(_count_conditions(child, depth) for child in children)


# -- readable error paths -------------------------------------------------------------------------

_KNOWN_ERROR_TYPES = frozenset(get_args(ErrorType))


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """`("all", "all", 1, "property", "op")` → `("all", 1, "op")`.

    Every rule in the path is followed by its union tag, then by its own field: drop the tag.
    """
    parts = list(loc)
    at = 0  # where a rule starts in `parts`
    while at < len(parts):
        tag = parts[at]
        if not (isinstance(tag, str) and tag in _RULE_KEYS):
            break
        del parts[at]
        if at >= len(parts) or parts[at] != tag:
            break
        if tag in ("all", "any") and at + 1 < len(parts) and isinstance(parts[at + 1], int):
            at += 2
        elif tag == "not":
            at += 1
        else:
            break
    return tuple(parts)


def _without_union_tags(exc: ValidationError) -> ValidationError:
    details: list[InitErrorDetails] = []
    for error in exc.errors():
        kind = error["type"]
        detail: InitErrorDetails = {
            "type": kind
            if kind in _KNOWN_ERROR_TYPES
            else PydanticCustomError(kind, error["msg"].replace("{", "{{").replace("}", "}}")),
            "loc": _clean_loc(error["loc"]),
            "input": error["input"],
        }
        if "ctx" in error and kind in _KNOWN_ERROR_TYPES:
            detail["ctx"] = error["ctx"]
        details.append(detail)
    return ValidationError.from_exception_data(exc.title, details)


# -- what a rule needs ----------------------------------------------------------------------------

AnyRuleNode = SegmentRule | AllRule | AnyRule | NotRule | PropertyCondition | EventCondition


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


def log_windows(rule: AnyRuleNode) -> dict[str, timedelta | None]:
    """For each event name the rule needs individual events of: how far back it looks.

    `None` means all of them (a `where` without `within`).
    """
    windows: dict[str, timedelta | None] = {}
    for condition in _event_conditions(rule):
        if not condition.needs_log:
            continue
        windows[condition.event] = wider_window(
            windows.get(condition.event, condition.within),
            condition.within,
            condition.event in windows,
        )
    return windows


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


# -- evaluation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileFacts:
    """What evaluation knows of one profile.

    `events` holds the individual events `(timestamp, properties)` of the names in
    `log_event_names(rule)` only; every other event condition reads `counts`.
    """

    properties: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    events: dict[str, list[tuple[datetime, dict[str, Any]]]] = field(default_factory=dict)


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
    if not condition.needs_log:
        return facts.counts.get(condition.event, 0)
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


def _evaluate(rule: Any, facts: ProfileFacts, now: datetime) -> bool:
    if isinstance(rule, PropertyCondition):
        return _property_matches(rule, facts.properties)
    if isinstance(rule, EventCondition):
        reached = _event_count(rule, facts, now) >= rule.min_count
        return reached if rule.performed else not reached
    if isinstance(rule, AllRule):
        return all(_evaluate(child, facts, now) for child in rule.all)
    if isinstance(rule, AnyRule):
        return any(_evaluate(child, facts, now) for child in rule.any)
    if isinstance(rule, NotRule):
        return not _evaluate(rule.not_, facts, now)
    raise TypeError(f"not a segment rule: {rule!r}")


def evaluate(rule: AnyRuleNode, facts: ProfileFacts, now: datetime) -> bool:
    """Whether the profile described by `facts` meets the rule at `now`."""
    if isinstance(rule, SegmentRule):
        rule = rule.root
    return _evaluate(rule, facts, now)


# -- words for the UI -----------------------------------------------------------------------------

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
