"""Durations as the API accepts them: ISO-8601 (`P1D`, `PT30M`) or a number of seconds."""

from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, WithJsonSchema

MAX_DURATION = timedelta(days=36_500)
"""100 years: far past any wait, and well inside what a Temporal timer can hold."""


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("duration must be greater than zero")
    if value > MAX_DURATION:
        raise ValueError(f"duration must be at most {MAX_DURATION.days} days")
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


# pydantic parses both forms; serialising to ISO keeps the API output readable.
PositiveDuration = Annotated[
    timedelta,
    AfterValidator(_positive),
    PlainSerializer(_iso8601, return_type=str),
    duration_schema(MAX_DURATION),
]
