"""The experiment fields of a workflow through the API: saved, shown, refused in words."""

from typing import Any

import pytest

from tests.api.steps import http_step
from tests.support.flowline_harness import A_MOMENT, Flowline

BASE: dict[str, Any] = {
    "name": "Offer test",
    "trigger": {"type": "event", "event": "registered"},
    "goal": {"event": "purchase"},
    "steps": [A_MOMENT],
}


async def test_holdout_and_goal_window_are_saved_and_shown(flowline: Flowline) -> None:
    created = await flowline.workflow(
        goal={"event": "purchase"}, holdout_percent=25, goal_window="P7D"
    )
    shown = (await flowline.api.get(f"/v1/workflows/{created['id']}")).json()
    assert (shown["holdout_percent"], shown["goal_window"]) == (25, "PT604800S")
    plain = await flowline.workflow()
    assert (plain["holdout_percent"], plain["goal_window"]) == (0, "PT2592000S")


def split(*weights: int, names: str = "AB") -> dict[str, Any]:
    return {
        "type": "split",
        "paths": [
            {"name": name, "weight": weight, "steps": [A_MOMENT]}
            for name, weight in zip(names, weights, strict=False)
        ],
    }


@pytest.mark.parametrize(
    ("changes", "loc", "words"),
    [
        ({"holdout_percent": 60}, ["holdout_percent"], "from 0 to 50"),
        ({"holdout_percent": "10"}, ["holdout_percent"], "from 0 to 50"),
        ({"holdout_percent": 10, "goal": None}, ["holdout_percent"], "Choose a goal"),
        ({"goal_window": "P0D"}, ["goal_window"], "duration"),
        ({"steps": [split(50, 40)]}, ["steps", 0, "paths"], "add up to 100"),
        ({"steps": [split(50, 50, names="AA")]}, ["steps", 0, "paths"], "its own name"),
        ({"steps": [split(60, names="A")]}, ["steps", 0, "paths"], None),
    ],
)
async def test_an_experiment_that_cannot_run_is_a_422_in_words(
    flowline: Flowline, changes: dict[str, Any], loc: list[Any], words: str | None
) -> None:
    response = await flowline.post("/v1/workflows", {**BASE, **changes})

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"][: len(loc)] == loc
    assert words is None or words in error["msg"]
    assert (await flowline.api.get("/v1/workflows")).json() == []


async def test_a_split_step_inside_a_path_is_named_by_its_path(flowline: Flowline) -> None:
    step = split(50, 50)
    step["paths"][1]["steps"] = [http_step("not a url")]
    response = await flowline.post("/v1/workflows", {**BASE, "steps": [step]})

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["steps", 0, "paths", 1, "steps", 0, "url"]
