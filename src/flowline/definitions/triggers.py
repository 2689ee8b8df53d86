"""What enrolls a profile (triggers) and what counts as success (goals)."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictBool, Tag

from flowline.definitions.identifiers import PRINTABLE_TEXT, Id

NonEmptyStr = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
MAX_EVENT_NAME = 255
"""The longest event name; also the width of the stored name columns (events, event counters,
counted conditions)."""
EventName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_EVENT_NAME,
        pattern=PRINTABLE_TEXT,
        description=f"An event name: 1 to {MAX_EVENT_NAME} characters, no control characters, "
        "not only white space.",
    ),
]
# StrictBool first: otherwise pydantic would turn `true` into 1 or "true".
FilterValue = StrictBool | int | float | str


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PropertyFilter(StrictModel):
    """Equality on one event property, e.g. `event_name = ticket`."""

    property: NonEmptyStr
    value: FilterValue

    def matches(self, properties: dict[str, Any]) -> bool:
        if self.property not in properties:
            return False
        actual = properties[self.property]
        # bool is an int in Python: never let `true` equal `1`.
        if isinstance(actual, bool) or isinstance(self.value, bool):
            return (
                isinstance(actual, bool) and isinstance(self.value, bool) and actual == self.value
            )
        return bool(actual == self.value)


class SegmentEnteredTrigger(StrictModel):
    type: Literal["segment_entered"]
    segment_id: Id


class SegmentLeftTrigger(StrictModel):
    type: Literal["segment_left"]
    segment_id: Id


class EventTrigger(StrictModel):
    type: Literal["event"]
    event: EventName
    filter: PropertyFilter | None = None

    def matches(self, name: str, properties: dict[str, Any]) -> bool:
        return name == self.event and (self.filter is None or self.filter.matches(properties))


Trigger = Annotated[
    SegmentEnteredTrigger | SegmentLeftTrigger | EventTrigger, Field(discriminator="type")
]


class EventGoal(StrictModel):
    """The goal is reached when the profile performs this event (optionally filtered)."""

    event: EventName
    filter: PropertyFilter | None = None

    def matches(self, name: str, properties: dict[str, Any]) -> bool:
        return name == self.event and (self.filter is None or self.filter.matches(properties))


class SegmentGoal(StrictModel):
    """The goal is reached when the profile enters this segment."""

    segment_entered: Id


def _goal_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "segment" if "segment_entered" in value else "event"
    return "segment" if isinstance(value, SegmentGoal) else "event"


Goal = Annotated[
    Annotated[EventGoal, Tag("event")] | Annotated[SegmentGoal, Tag("segment")],
    Discriminator(_goal_kind),
]


def trigger_in_words(trigger: SegmentEnteredTrigger | SegmentLeftTrigger | EventTrigger) -> str:
    if isinstance(trigger, SegmentEnteredTrigger):
        return f"profile added to segment {trigger.segment_id}"
    if isinstance(trigger, SegmentLeftTrigger):
        return f"profile removed from segment {trigger.segment_id}"
    words = f"event '{trigger.event}'"
    if trigger.filter is not None:
        words += f" where {trigger.filter.property} = {trigger.filter.value!r}"
    return words
