"""Send windows: email and HTTP steps wait until the profile's local time is inside the window.

Pure computation over IANA zones (`zoneinfo` with the `tzdata` package, so it works without
system zone files). A window whose end is before its start runs over midnight: `days` names the
day it opens (`fri 22:00–06:00` is open Friday night until Saturday 06:00).
"""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from flowline.definitions.triggers import NonEmptyStr, StrictModel

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


def zone_named(name: object) -> ZoneInfo | None:
    """The IANA zone of that name, or None when it is missing or unknown."""
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


class SendWindow(StrictModel):
    days: list[Day] = Field(min_length=1, max_length=7)
    start: ClockTime
    end: ClockTime
    timezone_property: NonEmptyStr | None = "timezone"
    default_timezone: NonEmptyStr = "UTC"

    @field_validator("days")
    @classmethod
    def _distinct(cls, value: list[Day]) -> list[Day]:
        if len(set(value)) != len(value):
            raise ValueError("Choose each day at most once.")
        return sorted(value, key=DAYS.index)

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if zone_named(value) is None:
            raise ValueError(f"Enter a time zone such as Europe/Amsterdam: {value!r} is not one.")
        return value.strip()

    @model_validator(mode="after")
    def _not_empty(self) -> "SendWindow":
        if self.start == self.end:
            raise ValueError("Choose an end time different from the start time.")
        return self

    def zone_for(self, properties: dict[str, object]) -> ZoneInfo:
        """The profile's zone; a missing or unknown zone uses the default."""
        own = zone_named(properties.get(self.timezone_property)) if self.timezone_property else None
        zone = own or zone_named(self.default_timezone)
        assert zone is not None  # validated
        return zone

    def next_opening(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """None when `now` is inside the window; otherwise when it next opens (aware, in `zone`).

        Wall-clock times that a DST change skips open at the first instant after the gap.
        """
        local = now.astimezone(zone)
        start, end = _clock(self.start), _clock(self.end)
        overnight = end < start
        # Yesterday's overnight window may still be open this morning.
        for offset in (-1, 0) if overnight else (0,):
            day = local.date() + timedelta(days=offset)
            if DAYS[day.weekday()] in self.days:
                opens = _at(day, start, zone)
                closes = _at(day + timedelta(days=1) if overnight else day, end, zone)
                if opens <= local < closes:
                    return None
        for offset in range(0, 8):
            day = local.date() + timedelta(days=offset)
            if DAYS[day.weekday()] in self.days:
                opens = _at(day, start, zone)
                if opens > local:
                    return opens
        raise AssertionError("a window with at least one day opens within a week")

    def describe_opening(self, opening: datetime) -> str:
        """`Mon 09:00 Europe/Amsterdam`, for current details."""
        return f"{opening:%a %H:%M} {opening.tzinfo}"


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=zone)
    # A skipped wall-clock time (DST gap) does not round-trip through UTC: move past the gap.
    roundtrip = aware.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if roundtrip.replace(tzinfo=None) != naive:
        return roundtrip
    return aware
