"""wait_for_event, branch and update_profile: shapes, validation with paths, step paths."""

from datetime import timedelta

import pytest

from flowline.core.errors import clean_loc
from flowline.definitions.journey_steps import UpdateProfileStep, WaitForEventStep
from flowline.definitions.step_kinds import nesting_depth, step_in_words, walk
from flowline.definitions.step_tree import BranchStep, path_loc, top_index
from flowline.definitions.workflows import WorkflowDefinition
from tests.definitions.builders import CITY, body, errors, with_step

WAIT = {"type": "wait", "duration": "P1D"}


def branch(then=(), else_=(), condition=None):
    return {
        "type": "branch",
        "condition": condition or CITY,
        "then": list(then),
        "else": list(else_),
    }


def cleaned(data):
    return [(tuple(clean_loc(loc)), kind) for loc, kind in errors(data)]


# --- wait_for_event ---------------------------------------------------------------------


def test_wait_for_event_parses_with_defaults():
    defn = WorkflowDefinition.model_validate(
        with_step(1, {"type": "wait_for_event", "event": "purchase", "timeout": "P2D"})
    )
    step = defn.steps[1]
    assert isinstance(step, WaitForEventStep)
    assert step.timeout == timedelta(days=2) and step.on_timeout == "continue"
    assert step.filter is None


def test_wait_for_event_filter_matches_like_a_trigger_filter():
    step = WaitForEventStep.model_validate(
        {
            "type": "wait_for_event",
            "event": "purchase",
            "filter": {"property": "plan", "value": "pro"},
            "timeout": 60,
        }
    )
    assert step.matches("purchase", {"plan": "pro"})
    assert not step.matches("purchase", {"plan": "basic"})
    assert not step.matches("refund", {"plan": "pro"})


@pytest.mark.parametrize(
    ("step", "loc"),
    [
        ({"type": "wait_for_event", "event": "", "timeout": 60}, ("steps", 1, "event")),
        ({"type": "wait_for_event", "event": "x" * 256, "timeout": 60}, ("steps", 1, "event")),
        ({"type": "wait_for_event", "event": "new\nline", "timeout": 60}, ("steps", 1, "event")),
        ({"type": "wait_for_event", "event": "x", "timeout": 0}, ("steps", 1, "timeout")),
        ({"type": "wait_for_event", "event": "x"}, ("steps", 1, "timeout")),
        (
            {"type": "wait_for_event", "event": "x", "timeout": 9, "on_timeout": "stop"},
            ("steps", 1, "on_timeout"),
        ),
    ],
)
def test_bad_wait_for_event_is_rejected_with_its_path(step, loc):
    assert [loc for loc, _ in cleaned(with_step(1, step))] == [loc]


def test_wait_for_event_takes_any_event_name_of_up_to_255_characters():
    step = {"type": "wait_for_event", "event": "x" * 255, "timeout": 60}
    defn = WorkflowDefinition.model_validate(with_step(1, step))
    assert isinstance(defn.steps[1], WaitForEventStep) and defn.steps[1].event == "x" * 255


# --- update_profile ---------------------------------------------------------------------


def test_update_profile_keeps_values_and_merge_tags():
    step = UpdateProfileStep.model_validate(
        {
            "type": "update_profile",
            "properties": {"stage": "lead", "score": 3, "by": "{{ workflow_name }}", "old": None},
        }
    )
    assert step.properties == {
        "stage": "lead",
        "score": 3,
        "by": "{{ workflow_name }}",
        "old": None,
    }


@pytest.mark.parametrize(
    ("properties", "loc"),
    [
        ({}, ("steps", 1, "properties")),
        ({"bad": "{{ unclosed"}, ("steps", 1, "properties")),
        ({"": 1}, ("steps", 1, "properties", "")),
    ],
)
def test_bad_update_profile_is_rejected_with_its_path(properties, loc):
    found = cleaned(with_step(1, {"type": "update_profile", "properties": properties}))
    assert [loc for loc, _ in found] == [loc]


# --- branch and step paths ---------------------------------------------------------------


def test_branch_arms_hold_any_steps_and_may_be_empty():
    defn = WorkflowDefinition.model_validate(with_step(1, branch(then=[WAIT])))
    step = defn.steps[1]
    assert isinstance(step, BranchStep)
    assert len(step.then) == 1 and step.else_ == []


def test_branch_round_trips_with_else_spelled_as_in_the_api():
    data = with_step(1, branch(then=[WAIT], else_=[WAIT, WAIT]))
    dumped = WorkflowDefinition.model_validate(data).model_dump(mode="json")
    assert len(dumped["steps"][1]["else"]) == 2 and "else_" not in dumped["steps"][1]
    assert WorkflowDefinition.model_validate(dumped).model_dump(mode="json") == dumped


def test_paths_name_every_step_branch_before_its_arms():
    data = body(
        steps=[
            WAIT,
            branch(then=[WAIT, branch(then=[WAIT])], else_=[WAIT]),
            WAIT,
        ]
    )
    defn = WorkflowDefinition.model_validate(data)
    assert [path for path, _ in walk(defn.steps)] == [
        "0",
        "1",
        "1.then.0",
        "1.then.1",
        "1.then.1.then.0",
        "1.else.0",
        "2",
    ]
    assert path_loc("1.then.1.then.0") == ("steps", 1, "then", 1, "then", 0)
    assert top_index("1.else.0") == 1


def test_branches_nest_three_levels_but_not_four():
    three = branch(then=[branch(else_=[branch(then=[WAIT])])])
    four = branch(then=[branch(else_=[branch(then=[branch()])])])
    assert nesting_depth(WorkflowDefinition.model_validate(with_step(1, three)).steps) == 3
    assert errors(with_step(1, four)) == [((), "value_error")]


def test_an_error_deep_in_a_branch_names_its_whole_path():
    bad = branch(else_=[WAIT, branch(then=[{"type": "wait", "duration": 0}])])
    assert cleaned(with_step(1, bad)) == [
        (("steps", 1, "else", 1, "then", 0, "duration"), "value_error")
    ]


def test_branch_condition_uses_the_segment_rule_language():
    bad = branch(condition={"property": "city", "op": "near", "value": "x"})
    found = errors(with_step(1, bad))
    assert [tuple(clean_loc(loc)) for loc, _ in found] == [("steps", 1, "condition")]


def test_send_email_inside_a_branch_is_an_email_step():
    email = {"type": "send_email", "campaign_id": 9}
    defn = WorkflowDefinition.model_validate(with_step(1, branch(else_=[email])))
    assert [(p, s.campaign_id) for p, s in defn.email_steps()] == [("0", 1), ("1.else.0", 9)]


def test_new_steps_in_words():
    defn = WorkflowDefinition.model_validate(
        body(
            steps=[
                {"type": "wait_for_event", "event": "purchase", "timeout": "P1D"},
                branch(),
                {"type": "update_profile", "properties": {"stage": "lead"}},
            ]
        )
    )
    words = [step_in_words(s) for s in defn.steps]
    assert words[0] == "wait up to 1 day for event 'purchase'"
    assert words[1].startswith("branch: if ") and "Amsterdam" in words[1]
    assert words[2] == "update profile: stage"
