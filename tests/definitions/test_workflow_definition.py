"""`WorkflowDefinition` as a whole: the example body, top-level fields, consent, snapshots."""

from datetime import timedelta

import pytest

from flowline.definitions.enrollment import (
    EnrollmentInput,
    EnrollmentOutcome,
    GoalReached,
    enrollment_workflow_id,
    profile_search_attribute,
)
from flowline.definitions.steps import HttpCallStep, SendEmailStep, WaitStep
from flowline.definitions.triggers import EventGoal, EventTrigger, PropertyFilter
from flowline.definitions.workflows import WorkflowDefinition
from tests.definitions.builders import WELCOME, body, errors, locs

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


def test_a_profile_id_too_long_for_temporal_is_named_by_its_hash_where_no_plain_id_reaches():
    longest = "😀" * 255  # 1,020 bytes of UTF-8; Temporal takes 1,000
    hashed = enrollment_workflow_id(7, longest)
    assert hashed.startswith("enroll-sha256:7:") and len(hashed.encode()) <= 1000
    assert hashed == enrollment_workflow_id(7, longest) != enrollment_workflow_id(7, longest[1:])
    assert enrollment_workflow_id(7, hashed) == f"enroll:7:{hashed}"
    assert enrollment_workflow_id(7, "☃" * 255) == "enroll:7:" + "☃" * 255  # 765 bytes


def test_a_profile_id_too_long_for_a_search_attribute_is_left_out_of_it():
    assert profile_search_attribute("☃" * 255) == "☃" * 255  # 1,532 bytes as JSON
    assert profile_search_attribute("😀" * 255) is None  # 3,062 bytes as JSON


def test_goal_reached_and_outcome_payloads_round_trip():
    goal = GoalReached(event_id="evt-1", event="purchase")
    assert GoalReached.model_validate(goal.model_dump(mode="json")) == goal
    outcome = EnrollmentOutcome(status="converted", steps_completed=2)
    assert EnrollmentOutcome.model_validate(outcome.model_dump(mode="json")) == outcome
