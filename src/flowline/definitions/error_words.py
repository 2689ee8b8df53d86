"""pydantic's error messages rewritten in the product's words: each says what to do.

The field a message is about decides first ("Enter a name.", "Choose a campaign."); the kind of
error decides otherwise, with the field's name in it; anything unforeseen gets a plain sentence
that names the field. Messages Flowline's own validators raise are already in words and pass.
"""

from collections.abc import Mapping, Sequence
from typing import Any, get_args

from pydantic_core.core_schema import ErrorType

DURATION = "Enter a duration such as 2 days or 30 minutes."
URL = "Enter a URL that starts with https:// or http://, such as https://example.com/hook."
RULE = 'Write a rule such as {"property": "plan", "op": "eq", "value": "pro"}.'
# What to do about a field whatever is wrong with its value (but its length).
FIELD_WORDS: Mapping[str, str] = {
    "name": "Enter a name.",
    "duration": DURATION,
    "timeout": DURATION,
    "within": DURATION,
    "goal_window": DURATION,
    "holdout_percent": "Enter a whole number of percent from 0 to 50.",
    "weight": "Enter a whole-number weight from 1 to 99; the weights of a split add up to 100.",
    "per": DURATION,
    "campaign_id": "Choose a campaign.",
    "segment_id": "Choose a segment.",
    "segment_entered": "Choose a segment.",
    "event": "Enter an event name.",
    "property": "Enter a property name.",
    "email_property": "Enter the profile property that holds the email address.",
    "subject": "Enter a subject.",
    "from_email": "Enter an email address such as news@example.com, or leave it empty.",
    "html": "Enter the HTML of the email.",
    "url": URL,
    "method": "Choose a method: GET, POST, PUT, PATCH or DELETE.",
    "profile_id": "Enter a profile id.",
    "consent_property": "Choose a consent property, or - to ignore consent.",
    "on_failure": "Choose what happens on failure: continue or exit.",
    "on_timeout": "Choose what happens on timeout: continue or exit.",
    "op": "Choose an operator: eq, neq, gt, gte, lt, lte, contains, in, exists or not_exists.",
    "trigger": "Choose what starts the workflow: a segment entered or left, or an event.",
    "condition": RULE,
    "rule": RULE,
    "reentry": "Choose when a profile may enter again: after_completion or never.",
}
# Length errors say how long instead (the field words would not say what is wrong).
_LENGTH_ERRORS = {"string_too_long", "too_long", "too_short"}
# Identifiers refused before their type is checked (`"5"`, `true`): the field words apply.
_GENERIC_VALUE_ERRORS = {"must be an integer"}
# pydantic's own kinds of error; any other kind is one of ours, with its message in words.
_PYDANTIC_KINDS = frozenset(get_args(ErrorType))
# Paths into a union of plain types name the member (`value.int`): not a field.
_TYPE_NAMES = {"bool", "int", "float", "str", "list", "dict", "none", "function-after"}


def in_words(error: Mapping[str, Any]) -> str:
    """One pydantic error (`{"type", "loc", "msg", "ctx"}`) as a sentence in words."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    own = str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    name = _field_name(error.get("loc", ()))
    if kind not in _PYDANTIC_KINDS:
        return _sentence(own)
    if kind in ("value_error", "assertion_error"):
        if own not in _GENERIC_VALUE_ERRORS:
            return _sentence(own)
        kind = "int_type"
    if name in FIELD_WORDS and kind not in _LENGTH_ERRORS:
        return FIELD_WORDS[name]
    return _by_kind(kind, ctx, name.replace("_", " ") if name else "this field")


def _by_kind(kind: str, ctx: Mapping[str, Any], label: str) -> str:  # noqa: PLR0911, PLR0912
    if kind == "missing":
        return f"Fill in {label}."
    if kind == "extra_forbidden":
        return f"Remove {label}: Flowline does not know this field."
    if kind in ("string_too_short", "string_pattern_mismatch"):
        return f"Enter {label}, in printable characters and not only spaces."
    if kind == "string_too_long":
        return f"Shorten {label} to at most {ctx.get('max_length')} characters."
    if kind == "too_short":
        return f"Add at least {ctx.get('min_length')} item(s) to {label}."
    if kind == "too_long":
        return f"Keep {label} to at most {ctx.get('max_length')} items."
    if kind.startswith("int_"):
        return f"Enter a whole number for {label}."
    if kind.startswith(("float_", "decimal_")):
        return f"Enter a number for {label}."
    if kind.startswith("bool_"):
        return f"Choose true or false for {label}."
    if kind.startswith("time_delta"):
        return DURATION
    if kind.startswith("datetime") or kind.startswith("timezone"):
        return f"Enter a date and time for {label}, such as 2026-01-31T09:00:00Z."
    if kind.startswith("date_"):
        return f"Enter a date for {label}, such as 2026-01-31."
    if kind.startswith("time_"):
        return f"Enter a time for {label}, such as 09:00."
    if kind.startswith("url_"):
        return URL
    bound = _bound(kind, ctx)
    if bound is not None:
        return f"Enter a number {bound} for {label}."
    if kind in ("literal_error", "enum"):
        return f"Choose {label}: one of {ctx.get('expected')}."
    if kind == "union_tag_invalid":
        return f"Choose a known type: '{ctx.get('tag')}' is not one of {ctx.get('expected_tags')}."
    if kind == "union_tag_not_found":
        return f"Say which type this is: {ctx.get('discriminator')} is missing."
    if kind in ("string_type", "string_unicode", "str_type"):
        return f"Enter text for {label}."
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
        return f"Give {label} as an object of named values."
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return f"Give {label} as a list."
    if kind == "none_required":
        return f"Leave {label} empty."
    return f"Enter a different value for {label}: this one is not accepted."


def _bound(kind: str, ctx: Mapping[str, Any]) -> str | None:
    words = {
        "greater_than": ("more than", "gt"),
        "greater_than_equal": ("of at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("of at most", "le"),
        "multiple_of": ("that is a multiple of", "multiple_of"),
    }.get(kind)
    return None if words is None else f"{words[0]} {ctx.get(words[1])}"


def _field_name(loc: Sequence[Any]) -> str:
    """The last named part of a path: `steps.1.wait.duration` → `duration`."""
    for part in reversed(list(loc)):
        if isinstance(part, str) and part not in ("body", "[key]") and part not in _TYPE_NAMES:
            return part
    return ""


def _sentence(message: str) -> str:
    """Our own messages as sentences: a capital first, a full stop last."""
    text = message.strip()
    if not text:
        return "Enter a different value: this one is not accepted."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."
