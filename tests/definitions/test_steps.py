"""Workflow steps: the step union and its error paths, wait and send_email, steps in words."""

from datetime import timedelta

import pytest

from flowline.definitions.step_kinds import step_in_words
from flowline.definitions.steps import MergeTagMapping, SendEmailStep
from flowline.definitions.workflows import WorkflowDefinition
from tests.definitions.builders import WELCOME, body, errors, locs, with_step

# --- steps: the discriminated union ----------------------------------------------------


def test_unknown_step_type_is_rejected_with_its_index():
    assert errors(with_step(2, {"type": "sms", "to": "x"})) == [(("steps", 2), "union_tag_invalid")]


def test_step_without_type_is_rejected_with_its_index():
    assert errors(with_step(1, {"duration": "P1D"})) == [(("steps", 1), "union_tag_not_found")]


def test_step_that_is_not_an_object_is_rejected_with_its_index():
    assert locs(with_step(0, "wait")) == [("steps", 0)]


def test_step_with_unknown_field_is_rejected_with_its_path():
    assert errors(with_step(1, {"type": "wait", "duration": "P1D", "until": "9:00"})) == [
        (("steps", 1, "wait", "until"), "extra_forbidden")
    ]


def test_several_bad_steps_each_report_their_own_path():
    data = body(
        steps=[
            {"type": "wait", "duration": 0},
            {"type": "wait", "duration": 60},
            {"type": "http_call", "url": "nope"},
        ]
    )
    assert locs(data) == [("steps", 0, "wait", "duration"), ("steps", 2, "http_call", "url")]


# --- wait --------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", ["PT0S", 0, -1, -3600, "-PT1S", "P0D"])
def test_wait_duration_of_zero_or_less_is_rejected_with_its_path(duration):
    assert locs(with_step(1, {"type": "wait", "duration": duration})) == [
        ("steps", 1, "wait", "duration")
    ]


def test_wait_duration_of_zero_is_rejected_with_its_path():
    assert errors(with_step(1, {"type": "wait", "duration": "PT0S"})) == [
        (("steps", 1, "wait", "duration"), "value_error")
    ]


def test_wait_without_duration_is_rejected_with_its_path():
    assert errors(with_step(1, {"type": "wait"})) == [(("steps", 1, "wait", "duration"), "missing")]


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("P1D", timedelta(days=1)),
        ("PT30M", timedelta(minutes=30)),
        (90, timedelta(seconds=90)),
        (0.25, timedelta(milliseconds=250)),
    ],
)
def test_wait_duration_accepts_iso8601_and_seconds(duration, expected):
    defn = WorkflowDefinition.model_validate(with_step(1, {"type": "wait", "duration": duration}))
    assert defn.steps[1].duration == expected


# --- send_email --------------------------------------------------------------------------


def test_send_email_step_defaults_email_property_and_merge_tags():
    step = SendEmailStep.model_validate({"type": "send_email", "campaign_id": 4})
    assert step.email_property == "email"
    assert step.merge_tags == {}


def test_send_email_merge_tag_mapping_is_parsed():
    defn = WorkflowDefinition.model_validate(WELCOME)
    assert defn.steps[0].merge_tags == {
        "first_name": MergeTagMapping(property="first_name", default="there")
    }


def test_merge_tag_mapping_default_is_empty_string():
    assert MergeTagMapping(property="first_name").default == ""


def test_send_email_without_campaign_is_rejected_with_its_path():
    assert errors(with_step(0, {"type": "send_email"})) == [
        (("steps", 0, "send_email", "campaign_id"), "missing")
    ]


def test_send_email_with_non_integer_campaign_is_rejected_with_its_path():
    assert locs(with_step(0, {"type": "send_email", "campaign_id": "welcome"})) == [
        ("steps", 0, "send_email", "campaign_id")
    ]


def test_send_email_with_empty_email_property_is_rejected_with_its_path():
    step = {"type": "send_email", "campaign_id": 1, "email_property": ""}
    assert locs(with_step(0, step)) == [("steps", 0, "send_email", "email_property")]


def test_merge_tag_mapping_with_empty_property_is_rejected_with_its_path():
    step = {
        "type": "send_email",
        "campaign_id": 1,
        "merge_tags": {"first_name": {"property": "", "default": "there"}},
    }
    assert locs(with_step(0, step)) == [
        ("steps", 0, "send_email", "merge_tags", "first_name", "property")
    ]


def test_merge_tag_mapping_with_unknown_field_is_rejected_with_its_path():
    step = {
        "type": "send_email",
        "campaign_id": 1,
        "merge_tags": {"first_name": {"property": "first_name", "fallback": "there"}},
    }
    assert errors(with_step(0, step)) == [
        (("steps", 0, "send_email", "merge_tags", "first_name", "fallback"), "extra_forbidden")
    ]


def test_email_steps_lists_send_email_steps_with_their_path():
    data = body()
    data["steps"].append({"type": "send_email", "campaign_id": 2})
    defn = WorkflowDefinition.model_validate(data)
    assert [(path, step.campaign_id) for path, step in defn.email_steps()] == [("0", 1), ("3", 2)]


def test_email_steps_is_empty_without_send_email_steps():
    assert WorkflowDefinition.model_validate(body(steps=[])).email_steps() == []


def test_step_in_words_describes_each_step_type():
    defn = WorkflowDefinition.model_validate(WELCOME)
    assert [step_in_words(step) for step in defn.steps] == [
        "send email (campaign 1)",
        "wait 1 day",
        "POST https://crm.example/api/tasks",
    ]
