"""Durations as the API accepts them: ISO-8601 (`P1D`, `PT30M`) or a number of seconds."""

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, WithJsonSchema

MAX_DURATION = timedelta(days=36_500)
"""100 years: far past any wait, and well inside what a Temporal timer can hold."""


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("Enter a duration greater than zero, such as 2 days or 30 minutes.")
    if value > MAX_DURATION:
        raise ValueError(f"Enter a duration of at most {MAX_DURATION.days} days.")
    return value


def _iso8601(value: timedelta) -> str:
    """Serialise as ISO-8601 seconds (`PT90S`) so a snapshot round-trips exactly."""
    seconds = value.total_seconds()
    text = f"{seconds:.6f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


def duration_schema(most: timedelta) -> WithJsonSchema:
    """What a request may send: both forms, with their bounds (responses hold ISO strings)."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "duration"},
                {"type": "number", "exclusiveMinimum": 0, "maximum": most.total_seconds()},
            ],
            "description": "ISO-8601 (`P1D`, `PT30M`) or a number of seconds; above zero, "
            f"at most {humanize(most)}.",
        },
        mode="validation",
    )


def humanize(value: timedelta) -> str:
    """`2 days 3 hours` — for summaries in the Temporal Web UI."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "0 seconds"


_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "wk": 604800,
    "week": 604800,
    "weeks": 604800,
}
_WORD_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_SEPARATORS = re.compile(r"(?:\s|,|\band\b)+")
_MAX_WORDS_TEXT = 200


def parse_duration_words(text: str) -> timedelta | None:
    """`1 day`, `2 hours 30 minutes`, `1h30m`, `90` (seconds) → timedelta; None otherwise.

    None means "not written in words": the caller hands the text on unchanged, so ISO-8601
    (`P1D`) is parsed, and anything else is refused, by the one duration type of the API.
    """
    value = text.strip().lower()
    if not value or len(value) > _MAX_WORDS_TEXT:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return timedelta(seconds=float(value))
    seconds = 0.0
    position = 0
    compact = _SEPARATORS.sub(" ", value).strip()
    for match in _WORD_PART.finditer(compact):
        if compact[position : match.start()].strip():
            return None
        unit = _UNIT_SECONDS.get(match.group(2))
        if unit is None:
            return None
        seconds += float(match.group(1)) * unit
        position = match.end()
    if position == 0 or compact[position:].strip():
        return None
    return timedelta(seconds=seconds)


def duration_in_words(value: timedelta) -> str:
    """What a form shows: words when whole seconds (`1 day 2 hours`), ISO-8601 otherwise."""
    if value.total_seconds() != int(value.total_seconds()) or value <= timedelta(0):
        return _iso8601(value)
    return humanize(value)


# pydantic parses both forms; serialising to ISO keeps the API output readable.
PositiveDuration = Annotated[
    timedelta,
    AfterValidator(_positive),
    PlainSerializer(_iso8601, return_type=str),
    duration_schema(MAX_DURATION),
]
