"""`SegmentRule`: a whole rule as stored and as the API receives it, with its limits.

`SegmentRule.model_validate(json)` validates a rule. Errors carry the path of the bad field in
the JSON, e.g. `("all", 1, "op")`: pydantic puts the union tag of every rule in its paths
(`("all", "all", 1, "property", "op")`); `SegmentRule` takes those tags out.
"""

from typing import Any, get_args

from pydantic import ModelWrapValidatorHandler, RootModel, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

from flowline.definitions.segments.rules import (
    RULE_KEYS,
    AllRule,
    AnyRule,
    EventCondition,
    NotRule,
    PropertyCondition,
    Rule,
    rule_kind,
)

MAX_RULE_DEPTH = 8
"""At most this many all/any/not groups nested inside each other."""
MAX_RULE_CONDITIONS = 50
"""At most this many property and event conditions in one rule."""


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


AnyRuleNode = SegmentRule | AllRule | AnyRule | NotRule | PropertyCondition | EventCondition
"""What the functions over rules accept: a whole rule or any part of one."""


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
        kind = rule_kind(node)
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
        raise ValueError(f"Nest all/any/not at most {MAX_RULE_DEPTH} levels deep.")
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
        if not (isinstance(tag, str) and tag in RULE_KEYS):
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
