"""Holdout and random split: the definition fields, their checks in words, and the draw."""

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from flowline.core.errors import pydantic_errors
from flowline.definitions.experiments import chosen_path, cohort_of, longest_journey, share
from flowline.definitions.save_checks import NO_GOAL_FOR_HOLDOUT, save_problems
from flowline.definitions.step_tree import path_loc
from flowline.definitions.workflows import WorkflowDefinition
from tests.definitions.builders import CITY, body

WAIT = {"type": "wait", "duration": "P1D"}
PROFILES = [f"profile-{uuid.UUID(int=n)}" for n in range(10_000)]


def split(*paths: tuple[str, int], **extra: Any) -> dict[str, Any]:
    return {
        "type": "split",
        "paths": [{"name": n, "weight": w, "steps": [WAIT]} for n, w in paths],
        **extra,
    }


def messages(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        WorkflowDefinition.model_validate(data)
    failed = pydantic_errors(caught.value.errors())
    return [(".".join(str(p) for p in e["loc"]), str(e["msg"])) for e in failed.errors]


def test_a_workflow_without_experiment_fields_holds_out_nobody_and_counts_goals_30_days() -> None:
    definition = WorkflowDefinition.model_validate(body())
    assert definition.holdout_percent == 0
    assert definition.goal_window == timedelta(days=30)


def test_goal_window_accepts_iso_and_seconds_and_round_trips() -> None:
    definition = WorkflowDefinition.model_validate(body(goal_window="P7D", holdout_percent=20))
    again = WorkflowDefinition.model_validate(definition.model_dump(mode="json"))
    assert again.goal_window == timedelta(days=7)
    assert again.holdout_percent == 20


@pytest.mark.parametrize("percent", [-1, 51, 100])
def test_a_holdout_outside_0_to_50_percent_is_refused_in_words(percent: int) -> None:
    assert messages(body(holdout_percent=percent)) == [
        ("holdout_percent", "Enter a whole number of percent from 0 to 50.")
    ]


@pytest.mark.parametrize("window", ["P0D", "soon", -5])
def test_a_goal_window_that_is_not_a_positive_duration_is_refused_in_words(window: Any) -> None:
    [(where, words)] = messages(body(goal_window=window))
    assert where == "goal_window"
    assert "duration" in words and "timedelta" not in words


def test_a_holdout_without_a_goal_is_refused_at_save() -> None:
    definition = WorkflowDefinition.model_validate(
        body(holdout_percent=10, goal=None, exit_on_goal=False)
    )
    problems = save_problems(definition, allow_private_networks=False)
    assert ((("holdout_percent",), NO_GOAL_FOR_HOLDOUT)) in problems


def test_split_paths_are_addressed_through_their_steps_in_the_body() -> None:
    assert path_loc("2.paths.1.0") == ("steps", 2, "paths", 1, "steps", 0)
    assert path_loc("2.paths.1.0.then.3") == ("steps", 2, "paths", 1, "steps", 0, "then", 3)
    assert path_loc("2.then.0") == ("steps", 2, "then", 0)


@pytest.mark.parametrize(
    ("step", "where", "words"),
    [
        (split(("A", 50), ("B", 40)), "steps.0.paths", "add up to 100 (they add up to 90)"),
        (split(("A", 50), ("a", 50)), "steps.0.paths", "Give each path its own name."),
        (split(("A", 60)), "steps.0.paths", "at least 2"),
        (split(*[(str(n), 20) for n in range(6)]), "steps.0.paths", "at most 5"),
        (split(("A", 0), ("B", 99)), "steps.0.paths.0.weight", "weight from 1 to 99"),
        (split((" ", 50), ("B", 50)), "steps.0.paths.0.name", "Enter a name."),
    ],
)
def test_a_split_that_cannot_be_drawn_is_refused_in_words(
    step: dict[str, Any], where: str, words: str
) -> None:
    found = messages(body(steps=[step]))
    assert [w for w, _ in found] == [where]
    assert words in found[0][1]


def test_a_nested_split_step_error_carries_its_body_path() -> None:
    step = split(("A", 50), ("B", 50))
    step["paths"][1]["steps"] = [{"type": "wait", "duration": "0"}]
    [(where, _)] = messages(body(steps=[step]))
    assert where == "steps.0.paths.1.steps.0.duration"


def test_the_draw_is_the_same_for_the_same_ids_and_changes_with_the_version() -> None:
    assert share("a", "b") == share("a", "b")
    assert [cohort_of(3, 1, p, 30) for p in PROFILES[:200]] == [
        cohort_of(3, 1, p, 30) for p in PROFILES[:200]
    ]
    first = [cohort_of(3, 1, p, 30) for p in PROFILES[:200]]
    assert first != [cohort_of(3, 2, p, 30) for p in PROFILES[:200]]
    assert first != [cohort_of(4, 1, p, 30) for p in PROFILES[:200]]


@pytest.mark.parametrize("percent", [5, 20, 50])
def test_the_holdout_share_is_within_3_points_of_the_percent_over_10000_profiles(
    percent: int,
) -> None:
    held = sum(cohort_of(7, 1, p, percent) == "holdout" for p in PROFILES)
    assert abs(held / len(PROFILES) * 100 - percent) <= 3
    assert all(cohort_of(7, 1, p, 0) == "treatment" for p in PROFILES[:500])


@pytest.mark.parametrize("weights", [[50, 50], [20, 30, 50], [10, 10, 20, 25, 35]])
def test_split_shares_are_within_3_points_of_the_weights_over_10000_profiles(
    weights: list[int],
) -> None:
    taken = Counter(chosen_path(7, 1, "2", p, weights) for p in PROFILES)
    for index, weight in enumerate(weights):
        assert abs(taken[index] / len(PROFILES) * 100 - weight) <= 3


def test_two_splits_of_one_workflow_draw_independently() -> None:
    first = [chosen_path(7, 1, "0", p, [50, 50]) for p in PROFILES[:2000]]
    second = [chosen_path(7, 1, "3", p, [50, 50]) for p in PROFILES[:2000]]
    agree = sum(a == b for a, b in zip(first, second, strict=True))
    assert 850 < agree < 1150  # about half, as for independent coins


def test_longest_journey_adds_waits_and_takes_the_longest_arm_or_path() -> None:
    steps = [
        WAIT,
        {"type": "wait_for_event", "event": "paid", "timeout": "PT2H"},
        {"type": "branch", "condition": CITY, "then": [WAIT, WAIT], "else": []},
        {
            "type": "split",
            "paths": [
                {"name": "A", "weight": 50, "steps": [{"type": "wait", "duration": "PT1H"}]},
                {"name": "B", "weight": 50, "steps": []},
            ],
        },
    ]
    definition = WorkflowDefinition.model_validate(body(steps=steps))
    assert longest_journey(definition.steps) == timedelta(days=3, hours=3)
