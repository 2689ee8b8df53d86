"""`WorkflowDefinition` validation: triggers, consent, goal, steps, paths of errors, snapshots."""

import copy
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from flowline.definitions.enrollment import (
    EnrollmentInput,
    EnrollmentOutcome,
    GoalReached,
    enrollment_workflow_id,
)
from flowline.definitions.steps import (
    HTTP_METHODS,
    HttpCallStep,
    MergeTagMapping,
    SendEmailStep,
    WaitStep,
    step_in_words,
)
from flowline.definitions.triggers import (
    EventGoal,
    EventTrigger,
    PropertyFilter,
    SegmentEnteredTrigger,
    SegmentGoal,
    SegmentLeftTrigger,
    trigger_in_words,
)
from flowline.definitions.workflows import WorkflowDefinition

# The example workflow body of DESIGN §3.
WELCOME: dict[str, Any] = {
    "name": "Welcome series",
    "trigger": {
        "type": "event",
        "event": "registered",
        "filter": {"property": "source", "value": "web"},
    },
    "consent_property": "email_optin",
    "goal": {"event": "purchase"},
    "exit_on_goal": True,
    "reentry": "after_completion",
    "steps": [
        {
            "type": "send_email",
            "campaign_id": 1,
            "email_property": "email",
            "merge_tags": {"first_name": {"property": "first_name", "default": "there"}},
        },
        {"type": "wait", "duration": "P1D"},
        {
            "type": "http_call",
            "method": "POST",
            "url": "https://crm.example/api/tasks",
            "headers": {"Authorization": "Bearer ..."},
            "body": {"profile": "{{ profile_id }}"},
            "on_failure": "continue",
        },
    ],
}


def body(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(WELCOME)
    data.update(changes)
    return data


def with_step(index: int, step: dict[str, Any]) -> dict[str, Any]:
    data = body()
    data["steps"][index] = step
    return data


def errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        WorkflowDefinition.model_validate(data)
    return [(error["loc"], error["type"]) for error in caught.value.errors()]


def locs(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [loc for loc, _ in errors(data)]


# --- the example body --------------------------------------------------------------------


def test_design_example_workflow_body_is_valid():
    defn = WorkflowDefinition.model_validate(WELCOME)
    assert defn.name == "Welcome series"
    assert defn.trigger == EventTrigger(
        type="event", event="registered", filter=PropertyFilter(property="source", value="web")
    )
    assert defn.consent_property == "email_optin"
    assert defn.goal == EventGoal(event="purchase")
    assert defn.exit_on_goal is True
    assert [type(step) for step in defn.steps] == [SendEmailStep, WaitStep, HttpCallStep]
    assert defn.steps[1].duration == timedelta(days=1)


def test_minimal_workflow_gets_documented_defaults():
    defn = WorkflowDefinition.model_validate(
        {"name": "n", "trigger": {"type": "segment_entered", "segment_id": 3}}
    )
    assert defn.consent_property is None
    assert defn.goal is None
    assert defn.exit_on_goal is False
    assert defn.reentry == "after_completion"
    assert defn.steps == []


def test_unknown_top_level_field_is_rejected_with_its_name():
    assert errors(body(colour="blue")) == [(("colour",), "extra_forbidden")]


@pytest.mark.parametrize("name", ["", " ", "\t\n"])
def test_blank_workflow_name_is_rejected(name):
    assert locs(body(name=name)) == [("name",)]


def test_missing_trigger_is_rejected():
    data = body()
    del data["trigger"]
    assert errors(data) == [(("trigger",), "missing")]


@pytest.mark.parametrize("reentry", ["after_completion", "never"])
def test_reentry_accepts_the_two_documented_values(reentry):
    assert WorkflowDefinition.model_validate(body(reentry=reentry)).reentry == reentry


def test_unknown_reentry_value_is_rejected():
    assert locs(body(reentry="always")) == [("reentry",)]


def test_more_than_500_steps_is_rejected():
    steps = [{"type": "wait", "duration": 60}] * 501
    assert errors(body(steps=steps)) == [(("steps",), "too_long")]


def test_500_steps_are_accepted():
    steps = [{"type": "wait", "duration": 60}] * 500
    assert len(WorkflowDefinition.model_validate(body(steps=steps)).steps) == 500


# --- triggers ----------------------------------------------------------------------------


def test_segment_entered_trigger_is_parsed():
    defn = WorkflowDefinition.model_validate(
        body(trigger={"type": "segment_entered", "segment_id": 3})
    )
    assert defn.trigger == SegmentEnteredTrigger(type="segment_entered", segment_id=3)


def test_segment_left_trigger_is_parsed():
    defn = WorkflowDefinition.model_validate(
        body(trigger={"type": "segment_left", "segment_id": 3})
    )
    assert defn.trigger == SegmentLeftTrigger(type="segment_left", segment_id=3)


def test_event_trigger_without_filter_is_parsed():
    defn = WorkflowDefinition.model_validate(body(trigger={"type": "event", "event": "purchase"}))
    assert defn.trigger == EventTrigger(type="event", event="purchase")
    assert defn.trigger.filter is None


@pytest.mark.parametrize("event", ["", " ", "\t"])
def test_empty_trigger_event_name_is_rejected_with_its_path(event):
    assert locs(body(trigger={"type": "event", "event": event})) == [("trigger", "event", "event")]


def test_missing_trigger_event_name_is_rejected_with_its_path():
    assert errors(body(trigger={"type": "event"})) == [(("trigger", "event", "event"), "missing")]


def test_trigger_event_name_longer_than_200_characters_is_rejected():
    assert locs(body(trigger={"type": "event", "event": "x" * 201})) == [
        ("trigger", "event", "event")
    ]


def test_unknown_trigger_type_is_rejected():
    assert errors(body(trigger={"type": "page_viewed"})) == [(("trigger",), "union_tag_invalid")]


def test_trigger_without_type_is_rejected():
    assert errors(body(trigger={"segment_id": 3})) == [(("trigger",), "union_tag_not_found")]


def test_segment_trigger_without_segment_id_is_rejected_with_its_path():
    assert errors(body(trigger={"type": "segment_left"})) == [
        (("trigger", "segment_left", "segment_id"), "missing")
    ]


def test_segment_trigger_with_non_integer_segment_id_is_rejected():
    assert locs(body(trigger={"type": "segment_entered", "segment_id": "vip"})) == [
        ("trigger", "segment_entered", "segment_id")
    ]


def test_trigger_filter_with_empty_property_is_rejected_with_its_path():
    trigger = {"type": "event", "event": "x", "filter": {"property": "", "value": "ticket"}}
    assert locs(body(trigger=trigger)) == [("trigger", "event", "filter", "property")]


def test_trigger_filter_with_null_value_is_rejected():
    trigger = {"type": "event", "event": "x", "filter": {"property": "p", "value": None}}
    found = locs(body(trigger=trigger))
    assert found
    assert all(loc[:4] == ("trigger", "event", "filter", "value") for loc in found)


def test_trigger_filter_with_unknown_field_is_rejected():
    trigger = {"type": "event", "event": "x", "filter": {"property": "p", "value": 1, "op": "eq"}}
    assert errors(body(trigger=trigger)) == [
        (("trigger", "event", "filter", "op"), "extra_forbidden")
    ]


@pytest.mark.parametrize(
    ("value", "kind"), [(True, bool), (False, bool), (1, int), (1.5, float), ("1", str)]
)
def test_trigger_filter_value_keeps_its_json_type(value, kind):
    trigger = {"type": "event", "event": "x", "filter": {"property": "p", "value": value}}
    parsed = WorkflowDefinition.model_validate(body(trigger=trigger)).trigger.filter.value
    assert type(parsed) is kind
    assert parsed == value


def test_trigger_in_words_describes_each_trigger_type():
    assert trigger_in_words(SegmentEnteredTrigger(type="segment_entered", segment_id=3)) == (
        "profile added to segment 3"
    )
    assert trigger_in_words(SegmentLeftTrigger(type="segment_left", segment_id=4)) == (
        "profile removed from segment 4"
    )
    assert trigger_in_words(EventTrigger(type="event", event="purchase")) == "event 'purchase'"
    filtered = EventTrigger(
        type="event", event="purchase", filter=PropertyFilter(property="event_name", value="ticket")
    )
    assert trigger_in_words(filtered) == "event 'purchase' where event_name = 'ticket'"


# --- consent -----------------------------------------------------------------------------


@pytest.mark.parametrize("consent", ["-", " - ", "", "  ", None])
def test_dash_or_blank_consent_means_consent_is_not_taken_into_account(consent):
    assert (
        WorkflowDefinition.model_validate(body(consent_property=consent)).consent_property is None
    )


def test_omitted_consent_means_consent_is_not_taken_into_account():
    data = body()
    del data["consent_property"]
    assert WorkflowDefinition.model_validate(data).consent_property is None


def test_consent_property_name_is_kept():
    defn = WorkflowDefinition.model_validate(body(consent_property="sms_optin"))
    assert defn.consent_property == "sms_optin"


@pytest.mark.parametrize("consent", [5, True, ["email_optin"]])
def test_non_string_consent_property_is_rejected_with_its_path(consent):
    assert all(loc[0] == "consent_property" for loc in locs(body(consent_property=consent)))


# --- goal --------------------------------------------------------------------------------


def test_event_goal_is_parsed():
    defn = WorkflowDefinition.model_validate(body(goal={"event": "purchase"}))
    assert defn.goal == EventGoal(event="purchase")


def test_event_goal_with_filter_is_parsed():
    goal = {"event": "purchase", "filter": {"property": "plan", "value": "pro"}}
    defn = WorkflowDefinition.model_validate(body(goal=goal))
    assert defn.goal == EventGoal(
        event="purchase", filter=PropertyFilter(property="plan", value="pro")
    )


def test_segment_goal_is_parsed():
    defn = WorkflowDefinition.model_validate(body(goal={"segment_entered": 3}))
    assert defn.goal == SegmentGoal(segment_entered=3)


def test_null_goal_means_no_goal():
    assert WorkflowDefinition.model_validate(body(goal=None)).goal is None


def test_goal_model_instances_are_accepted():
    assert WorkflowDefinition.model_validate(body(goal=SegmentGoal(segment_entered=9))).goal == (
        SegmentGoal(segment_entered=9)
    )
    assert WorkflowDefinition.model_validate(body(goal=EventGoal(event="paid"))).goal == (
        EventGoal(event="paid")
    )


@pytest.mark.parametrize("event", ["", " "])
def test_empty_goal_event_name_is_rejected_with_its_path(event):
    assert locs(body(goal={"event": event})) == [("goal", "event", "event")]


def test_empty_goal_object_is_rejected_as_a_missing_event():
    assert errors(body(goal={})) == [(("goal", "event", "event"), "missing")]


def test_goal_that_is_not_an_object_is_rejected():
    assert locs(body(goal="purchase")) == [("goal", "event")]


def test_segment_goal_with_non_integer_segment_is_rejected_with_its_path():
    assert locs(body(goal={"segment_entered": "vip"})) == [("goal", "segment", "segment_entered")]


def test_goal_mixing_segment_and_event_is_rejected():
    assert errors(body(goal={"segment_entered": 3, "event": "purchase"})) == [
        (("goal", "segment", "event"), "extra_forbidden")
    ]


def test_goal_filter_with_empty_property_is_rejected_with_its_path():
    goal = {"event": "purchase", "filter": {"property": " ", "value": "x"}}
    assert locs(body(goal=goal)) == [("goal", "event", "filter", "property")]


# --- steps: the discriminated union ----------------------------------------------------


def test_unknown_step_type_is_rejected_with_its_index():
    assert errors(with_step(2, {"type": "branch", "if": "x"})) == [
        (("steps", 2), "union_tag_invalid")
    ]


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


def test_email_steps_lists_send_email_steps_with_their_index():
    data = body()
    data["steps"].append({"type": "send_email", "campaign_id": 2})
    defn = WorkflowDefinition.model_validate(data)
    assert [(index, step.campaign_id) for index, step in defn.email_steps()] == [(0, 1), (3, 2)]


def test_email_steps_is_empty_without_send_email_steps():
    assert WorkflowDefinition.model_validate(body(steps=[])).email_steps() == []


# --- http_call ---------------------------------------------------------------------------


def http(**fields: Any) -> dict[str, Any]:
    return {"type": "http_call", "url": "https://crm.example/api/tasks", **fields}


def test_http_call_defaults():
    step = HttpCallStep.model_validate(http())
    assert step.method == "POST"
    assert step.headers == {}
    assert step.body is None
    assert step.timeout == timedelta(seconds=10)
    assert step.on_failure == "continue"


@pytest.mark.parametrize("method", HTTP_METHODS)
def test_http_call_accepts_each_supported_method(method):
    assert HttpCallStep.model_validate(http(method=method)).method == method


@pytest.mark.parametrize(("method", "normalised"), [("get", "GET"), (" patch ", "PATCH")])
def test_http_call_method_is_normalised_to_upper_case(method, normalised):
    assert HttpCallStep.model_validate(http(method=method)).method == normalised


@pytest.mark.parametrize("method", ["FETCH", "", "HEAD", "OPTIONS", "TRACE", "CONNECT", "G ET"])
def test_http_call_malformed_method_is_rejected_with_its_path(method):
    assert errors(with_step(2, http(method=method))) == [
        (("steps", 2, "http_call", "method"), "value_error")
    ]


def test_http_call_non_string_method_is_rejected_with_its_path():
    assert locs(with_step(2, http(method=5))) == [("steps", 2, "http_call", "method")]


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example/api/tasks",
        "http://crm.example:8080/hooks?x=1#frag",
        "https://user:secret@crm.example/",
        "http://127.0.0.1:9000/x",
        "http://[::1]:9000/x",
        "https://crm.example/profiles/{{ profile_id }}",
        "https://crm.example/api?id={{ profile_id }}&name={{ first_name }}",
        "https://{{ tenant }}.crm.example/x",
        "https://crm.example/{% if vip %}vip{% endif %}",
    ],
)
def test_http_call_accepts_absolute_http_urls_with_or_without_merge_tags(url):
    assert HttpCallStep.model_validate(http(url=url)).url == url


def test_http_call_url_is_stripped_of_surrounding_whitespace():
    assert HttpCallStep.model_validate(http(url="  https://x.example/a  ")).url == (
        "https://x.example/a"
    )


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "crm.example/api",
        "//crm.example/api",
        "/api/tasks",
        "ftp://crm.example/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "mailto:a@example.com",
        "http://",
        "https:///path-only",
        "http://host:99999/",
        "http://host:port/",
        "http://[::1/",
        "https://exa mple.com/",
        "https://crm.example/a b",
        "{{ base_url }}/tasks",
    ],
)
def test_http_call_malformed_url_is_rejected_with_its_path(url):
    assert errors(with_step(2, http(url=url))) == [
        (("steps", 2, "http_call", "url"), "value_error")
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://exa\nmple.com/",
        "https://crm.example/a\r\nX-Injected: 1",
        "https://crm.example/a\tb",
        "https://crm.example/\x00",
        "https://crm.example/\x7f",
    ],
)
def test_http_call_url_with_inner_line_break_or_control_character_is_rejected(url):
    # urlsplit() silently drops tabs and line breaks; such a URL is still malformed.
    assert errors(with_step(2, http(url=url))) == [
        (("steps", 2, "http_call", "url"), "value_error")
    ]


def test_http_call_without_url_is_rejected_with_its_path():
    assert errors(with_step(2, {"type": "http_call"})) == [
        (("steps", 2, "http_call", "url"), "missing")
    ]


@pytest.mark.parametrize(
    "name", ["Bad Header", "X:Y", "", "X-Id\r\n", "X-Id\n", "X-Id\r", "\nX-Id", "Ümlaut"]
)
def test_http_call_invalid_header_name_is_rejected_with_its_path(name):
    assert errors(with_step(2, http(headers={name: "v"}))) == [
        (("steps", 2, "http_call", "headers"), "value_error")
    ]


def test_http_call_valid_header_names_are_accepted():
    headers = {"Authorization": "Bearer {{ token }}", "X-Profile-Id": "{{ profile_id }}"}
    assert HttpCallStep.model_validate(http(headers=headers)).headers == headers


def test_http_call_non_string_header_value_is_rejected_with_its_path():
    assert locs(with_step(2, http(headers={"X-Count": 3}))) == [
        ("steps", 2, "http_call", "headers", "X-Count")
    ]


@pytest.mark.parametrize("timeout", [0, "PT0S", -1])
def test_http_call_timeout_of_zero_or_less_is_rejected_with_its_path(timeout):
    assert locs(with_step(2, http(timeout=timeout))) == [("steps", 2, "http_call", "timeout")]


def test_http_call_timeout_above_five_minutes_is_rejected_with_its_path():
    assert locs(with_step(2, http(timeout="PT5M1S"))) == [("steps", 2, "http_call", "timeout")]


@pytest.mark.parametrize(("timeout", "expected"), [("PT5M", 300), (30, 30), ("PT0.5S", 0.5)])
def test_http_call_timeout_up_to_five_minutes_is_accepted(timeout, expected):
    step = HttpCallStep.model_validate(http(timeout=timeout))
    assert step.timeout == timedelta(seconds=expected)


@pytest.mark.parametrize("on_failure", ["continue", "exit"])
def test_http_call_on_failure_accepts_continue_and_exit(on_failure):
    assert HttpCallStep.model_validate(http(on_failure=on_failure)).on_failure == on_failure


def test_http_call_unknown_on_failure_is_rejected_with_its_path():
    assert locs(with_step(2, http(on_failure="retry"))) == [("steps", 2, "http_call", "on_failure")]


@pytest.mark.parametrize(
    "payload",
    [None, {"a": [1, 2.5, True, None, {"b": "{{ x }}"}]}, ["x"], "raw text", 3, False],
)
def test_http_call_body_accepts_any_json_value(payload):
    assert HttpCallStep.model_validate(http(body=payload)).body == payload


def test_http_call_body_that_is_not_json_is_rejected():
    assert locs(with_step(2, http(body={"when": timedelta(days=1)})))[0][:4] == (
        "steps",
        2,
        "http_call",
        "body",
    )


def test_step_in_words_describes_each_step_type():
    defn = WorkflowDefinition.model_validate(WELCOME)
    assert [step_in_words(step) for step in defn.steps] == [
        "send email (campaign 1)",
        "wait 1 day",
        "POST https://crm.example/api/tasks",
    ]


# --- snapshot round-trip -----------------------------------------------------------------


def full_definition() -> WorkflowDefinition:
    data = body(
        steps=[
            *WELCOME["steps"],
            {"type": "wait", "duration": "PT30M"},
            {"type": "wait", "duration": 1.5},
            {"type": "wait", "duration": "P1DT2H3M4.000005S"},
            {
                "type": "http_call",
                "method": "put",
                "url": "https://crm.example/p/{{ profile_id }}",
                "body": {"n": [1, 2.5, None, True], "s": "{{ age }}"},
                "timeout": "PT2M",
                "on_failure": "exit",
            },
            {"type": "send_email", "campaign_id": 7, "merge_tags": {}},
        ]
    )
    return WorkflowDefinition.model_validate(data)


@pytest.mark.parametrize(
    "goal",
    [
        None,
        {"event": "purchase"},
        {"event": "p", "filter": {"property": "plan", "value": 2}},
        {"segment_entered": 3},
    ],
)
@pytest.mark.parametrize(
    "trigger",
    [
        {"type": "segment_entered", "segment_id": 3},
        {"type": "segment_left", "segment_id": 4},
        {"type": "event", "event": "e"},
        {"type": "event", "event": "e", "filter": {"property": "flag", "value": True}},
    ],
)
def test_snapshot_round_trips_through_json_for_every_trigger_and_goal(trigger, goal):
    defn = WorkflowDefinition.model_validate(body(trigger=trigger, goal=goal))
    assert WorkflowDefinition.model_validate(defn.model_dump(mode="json")) == defn


def test_snapshot_round_trip_keeps_every_step_and_duration_exactly():
    defn = full_definition()
    dumped = defn.model_dump(mode="json")
    again = WorkflowDefinition.model_validate(dumped)
    assert again == defn
    assert [getattr(step, "duration", None) for step in again.steps] == [
        None,
        timedelta(days=1),
        None,
        timedelta(minutes=30),
        timedelta(seconds=1.5),
        timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=5),
        None,
        None,
    ]
    assert again.steps[6].timeout == timedelta(minutes=2)


def test_snapshot_round_trips_through_a_json_string():
    defn = full_definition()
    assert WorkflowDefinition.model_validate_json(defn.model_dump_json()) == defn


def test_snapshot_round_trips_through_python_mode_dump():
    defn = full_definition()
    assert WorkflowDefinition.model_validate(defn.model_dump()) == defn


def test_snapshot_serialises_durations_as_iso8601_strings():
    dumped = full_definition().model_dump(mode="json")
    assert dumped["steps"][1]["duration"] == "PT86400S"
    assert dumped["steps"][3]["duration"] == "PT1800S"
    assert dumped["steps"][2]["timeout"] == "PT10S"


def test_snapshot_keeps_dash_consent_as_null():
    defn = WorkflowDefinition.model_validate(body(consent_property="-"))
    dumped = defn.model_dump(mode="json")
    assert dumped["consent_property"] is None
    assert WorkflowDefinition.model_validate(dumped) == defn


def test_snapshot_keeps_the_goal_kind():
    segment = WorkflowDefinition.model_validate(body(goal={"segment_entered": 3}))
    assert segment.model_dump(mode="json")["goal"] == {"segment_entered": 3}
    event = WorkflowDefinition.model_validate(body(goal={"event": "purchase"}))
    assert event.model_dump(mode="json")["goal"] == {"event": "purchase", "filter": None}


def test_enrollment_input_round_trips_with_its_definition_snapshot():
    enrollment = EnrollmentInput(
        workflow_id=12,
        version=3,
        profile_id="user-1",
        definition=full_definition(),
        campaign_names={1: "Welcome", 7: "Follow-up"},
        test=True,
    )
    assert EnrollmentInput.model_validate(enrollment.model_dump(mode="json")) == enrollment
    assert EnrollmentInput.model_validate_json(enrollment.model_dump_json()) == enrollment


def test_enrollment_input_defaults():
    enrollment = EnrollmentInput(
        workflow_id=1, version=1, profile_id="p", definition=WorkflowDefinition(**WELCOME)
    )
    assert enrollment.campaign_names == {}
    assert enrollment.test is False


def test_enrollment_workflow_id_is_deterministic_per_workflow_and_profile():
    assert enrollment_workflow_id(7, "user-1") == "enroll:7:user-1"
    assert enrollment_workflow_id(7, "user-1") == enrollment_workflow_id(7, "user-1")
    assert enrollment_workflow_id(7, "user-1") != enrollment_workflow_id(8, "user-1")


def test_goal_reached_and_outcome_payloads_round_trip():
    goal = GoalReached(event_id="evt-1", event="purchase")
    assert GoalReached.model_validate(goal.model_dump(mode="json")) == goal
    outcome = EnrollmentOutcome(status="converted", steps_completed=2)
    assert EnrollmentOutcome.model_validate(outcome.model_dump(mode="json")) == outcome
