"""Properties (of profiles and of events) as the API accepts them: JSON objects with limits.

A property bag is stored, re-read for every segment evaluation and sent to Temporal, so its size
is bounded: at most `MAX_PROPERTIES_DEPTH` objects or arrays nested, `MAX_PROPERTIES_KEYS` keys
per object, names of at most `MAX_PROPERTY_NAME` and strings of at most `MAX_PROPERTY_STRING`
characters.
"""

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import (
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from typing_extensions import TypeAliasType

MAX_PROPERTIES_DEPTH = 10
MAX_PROPERTIES_KEYS = 500
MAX_PROPERTY_NAME = 255
MAX_PROPERTY_STRING = 65_536

PropertyName = Annotated[str, Field(max_length=MAX_PROPERTY_NAME)]
# The shape the OpenAPI document shows (a recursive `PropertyValue` component). Values are not
# validated against it member by member: `_within_limits` checks them in one pass, with one clear
# message per problem instead of one per union member.
if TYPE_CHECKING:  # mypy cannot follow the recursion; it is JSON all the same
    PropertyValue = Any
else:
    PropertyValue = TypeAliasType(
        "PropertyValue",
        Union[  # noqa: UP007 - a recursive alias needs the explicit form
            Annotated[StrictStr, Field(max_length=MAX_PROPERTY_STRING)],
            StrictBool,
            StrictInt,
            StrictFloat,
            None,
            list["PropertyValue"],
            Annotated[dict[PropertyName, "PropertyValue"], Field(max_length=MAX_PROPERTIES_KEYS)],
        ],
    )


class PropertiesTooLarge(ValueError):
    pass


def check_properties(bag: dict[str, Any]) -> None:
    """Refuse a bag over the limits (`PropertiesTooLarge`), before anything else walks it."""
    # Iterative: a deep value must not exhaust the stack that is meant to refuse it. Exact type
    # checks: this runs for every event ingested.
    pending: list[tuple[Any, int, tuple[str | int, ...]]] = [(bag, 1, ())]
    while pending:
        node, depth, path = pending.pop()
        if depth > MAX_PROPERTIES_DEPTH:
            raise PropertiesTooLarge(f"{_at(path)}nested deeper than {MAX_PROPERTIES_DEPTH} levels")
        if type(node) is dict:
            if len(node) > MAX_PROPERTIES_KEYS:
                raise PropertiesTooLarge(f"{_at(path)}more than {MAX_PROPERTIES_KEYS} keys")
            items: Any = node.items()
        else:
            items = enumerate(node)
        for key, child in items:
            if type(key) is str and len(key) > MAX_PROPERTY_NAME:
                raise PropertiesTooLarge(
                    f"{_at(path)}a name is longer than {MAX_PROPERTY_NAME} characters"
                )
            kind = type(child)
            if kind is str:
                if len(child) > MAX_PROPERTY_STRING:
                    raise PropertiesTooLarge(
                        f"{_at((*path, key))}a string longer than {MAX_PROPERTY_STRING} characters"
                    )
            elif kind is dict or kind is list:
                pending.append((child, depth + 1, (*path, key)))


def _at(path: tuple[str | int, ...]) -> str:
    return f"at {'.'.join(str(p) for p in path)}: " if path else ""


def _within_limits(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # Bags parsed from JSON are checked here alone; anything else (a wrong type, a key that is
    # not a string) goes through pydantic, which words the error.
    if type(value) is not dict or not all(type(k) is str for k in value):
        return handler(value)
    check_properties(value)
    return value


Properties = Annotated[
    dict[PropertyName, PropertyValue],
    Field(
        max_length=MAX_PROPERTIES_KEYS,
        description=f"A JSON object: at most {MAX_PROPERTIES_DEPTH} objects or arrays nested "
        f"(this one included), at most {MAX_PROPERTIES_KEYS} keys per object, names of at most "
        f"{MAX_PROPERTY_NAME} and strings of at most {MAX_PROPERTY_STRING} characters.",
    ),
    WrapValidator(_within_limits),
]
