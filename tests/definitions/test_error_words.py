"""pydantic's errors in the product's words: by field first, then by kind, never jargon."""

from datetime import timedelta

import pytest
from pydantic import BaseModel, Field, ValidationError

from flowline.definitions.error_words import DURATION, in_words
from flowline.definitions.identifiers import Id
from flowline.definitions.workflows import WorkflowDefinition


class Sample(BaseModel):
    name: str = Field(pattern=r"\S")
    duration: timedelta
    campaign_id: Id
    count: int = Field(ge=1)
    label: str = Field(max_length=3)
    flag: bool


def words_for(**data: object) -> dict[str, str]:
    try:
        Sample.model_validate(data)
    except ValidationError as error:
        return {str(e["loc"][0]): in_words(e) for e in error.errors()}
    raise AssertionError("valid")


def test_fields_say_what_to_do() -> None:
    words = words_for(name=" ", duration="3 fortnights", campaign_id="7", count=0, label="long")
    assert words["name"] == "Enter a name."
    assert words["duration"] == DURATION == "Enter a duration such as 2 days or 30 minutes."
    assert words["campaign_id"] == "Choose a campaign."
    assert words["count"] == "Enter a number of at least 1 for count."
    assert words["label"] == "Shorten label to at most 3 characters."
    assert words["flag"] == "Fill in flag."


def test_our_own_messages_pass_as_sentences() -> None:
    body = {"name": "w", "trigger": {"type": "event", "event": "e"}}
    with pytest.raises(ValidationError) as raised:
        WorkflowDefinition.model_validate({**body, "steps": [{"type": "wait", "duration": 0}]})
    assert [in_words(e) for e in raised.value.errors()] == [
        "Enter a duration greater than zero, such as 2 days or 30 minutes."
    ]


def test_an_unknown_step_type_names_the_known_ones() -> None:
    body = {"name": "w", "trigger": {"type": "event", "event": "e"}, "steps": [{"type": "x"}]}
    with pytest.raises(ValidationError) as raised:
        WorkflowDefinition.model_validate(body)
    (message,) = [in_words(e) for e in raised.value.errors()]
    assert message.startswith("Choose a known type: 'x' is not one of 'wait'")


def test_an_unforeseen_kind_of_error_is_still_a_plain_sentence() -> None:
    error = {"type": "frozen_instance", "loc": ("plan",), "msg": "Instance is frozen", "ctx": {}}
    assert in_words(error) == "Enter a different value for plan: this one is not accepted."
