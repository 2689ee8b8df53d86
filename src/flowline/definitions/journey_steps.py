"""Steps that react to the profile inside a journey: wait for an event, update the profile."""

from typing import Annotated, Literal

from pydantic import Field, JsonValue, field_validator

from flowline.definitions.durations import PositiveDuration
from flowline.definitions.templates import TemplateError, merge_tags_in
from flowline.definitions.triggers import EventName, PropertyFilter, StrictModel

MAX_UPDATED_PROPERTIES = 100


class WaitForEventStep(StrictModel):
    """Wait until the profile performs `event` (after this step started), at most `timeout`."""

    type: Literal["wait_for_event"]
    event: EventName
    filter: PropertyFilter | None = None
    timeout: PositiveDuration
    on_timeout: Literal["continue", "exit"] = "continue"

    def matches(self, name: str, properties: dict[str, object]) -> bool:
        return name == self.event and (self.filter is None or self.filter.matches(properties))


PropertyName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]


class UpdateProfileStep(StrictModel):
    """Write properties to the profile, merged like `PUT /v1/profiles/{id}` (`null` removes).

    String values may use merge tags: `{{ profile_id }}`, `{{ workflow_name }}`, any property.
    """

    type: Literal["update_profile"]
    properties: dict[PropertyName, JsonValue] = Field(
        min_length=1, max_length=MAX_UPDATED_PROPERTIES
    )

    @field_validator("properties")
    @classmethod
    def _templates_parse(cls, value: dict[str, JsonValue]) -> dict[str, JsonValue]:
        for name, item in value.items():
            if isinstance(item, str):
                try:
                    merge_tags_in(item)
                except TemplateError as error:
                    raise ValueError(error.in_words(f"The value of '{name}'")) from None
        return value
