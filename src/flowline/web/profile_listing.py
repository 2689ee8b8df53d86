"""The Profiles page's search box and columns, and profile values as text.

The box takes an id prefix, or `property=value` (spaces around the `=` and the ends ignored)
to search a property: the same search as `GET /v1/profiles`.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from flowline.core.services.profiles.search import MAX_SEARCH_TEXT, ProfileSearch
from flowline.core.services.workflows.versions import current_definitions

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class SearchBox:
    search: ProfileSearch | None  # None: the text cannot be searched (see `problem`)
    problem: str = ""


def read_search_box(text: str) -> SearchBox:
    typed = text.strip()
    if _CONTROL.search(typed):
        return SearchBox(None, "The search cannot contain control characters (such as tabs).")
    name, equals, value = typed.partition("=")
    name, value = name.strip(), value.strip()
    if equals and not name:
        return SearchBox(None, "Write the property before the = sign, as in city=Utrecht.")
    for part in (name, value):
        if len(part) > MAX_SEARCH_TEXT:
            return SearchBox(
                None, f"An id prefix, property or value is at most {MAX_SEARCH_TEXT} characters."
            )
    if equals:
        return SearchBox(ProfileSearch(property=name, value=value))
    return SearchBox(ProfileSearch(prefix=typed))


def consent_properties(session: Session) -> list[str]:
    """The consent properties the workflows use now: the list shows them as columns."""
    names = {definition.get("consent_property") for _, definition in current_definitions(session)}
    return sorted(name for name in names if isinstance(name, str) and name)


def scalar_words(value: Any) -> str:
    """A single value as a person reads it: a string as itself, yes / no, a number."""
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def inline_words(value: Any) -> str:
    """A value of any shape on one line: `a: 1, b: yes`; nested ones in parentheses."""
    if isinstance(value, dict):
        inner = ", ".join(f"{key}: {_nested(item)}" for key, item in value.items())
        return inner or "(nothing)"
    if isinstance(value, list):
        return ", ".join(_nested(item) for item in value) or "(nothing)"
    return scalar_words(value)


def _nested(value: Any) -> str:
    if isinstance(value, dict | list) and value:
        return f"({inline_words(value)})"
    return inline_words(value)
