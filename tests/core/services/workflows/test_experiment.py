"""Experiment figures from the database: groups, lift, splits at any depth, current version."""

from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.workflows import Workflow
from flowline.core.services.workflows.experiment import experiment_plan, workflow_experiment
from flowline.definitions.experiments import GroupCounts, lift
from tests.support.experiment_rows import (
    SPLIT_STEP,
    add_enrollments,
    experiment_definition,
    store_new_version,
    store_workflow,
)


def _experiment(engine: Engine, workflow_id: int) -> dict:  # type: ignore[type-arg]
    with session_scope(engine) as session:
        found = workflow_experiment(session, session.get_one(Workflow, workflow_id))
        return found.model_dump(mode="json")


def test_groups_count_enrolled_and_converted_per_cohort_without_test_runs(engine: Engine) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 900, 270, cohort="treatment")
    add_enrollments(engine, wid, 1, 100, 20, cohort="holdout")
    add_enrollments(engine, wid, 1, 50, 50, cohort="treatment", test=True)

    found = _experiment(engine, wid)

    assert found["goal_window"] == "PT1209600S"
    assert found["groups"] == {
        "treatment": {"enrolled": 900, "converted": 270, "rate": 0.3},
        "holdout": {"enrolled": 100, "converted": 20, "rate": 0.2},
    }
    expected = lift(GroupCounts(900, 270), GroupCounts(100, 20))
    assert expected is not None
    assert found["lift"]["absolute"] == round(expected.absolute, 6)
    assert found["lift"]["relative"] == round(expected.relative or 0, 6)
    assert found["lift"]["ci95"] == [round(v, 6) for v in expected.ci95]
    assert found["lift"]["anytime_ci95"] == [round(v, 6) for v in expected.anytime_ci95]
    assert found["lift"]["significant"] is expected.significant


def test_lift_is_null_while_the_holdout_has_fewer_than_one_hundred(engine: Engine) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 1000, 300, cohort="treatment")
    add_enrollments(engine, wid, 1, 99, 20, cohort="holdout")

    assert _experiment(engine, wid)["lift"] is None


def test_a_workflow_without_holdout_or_splits_answers_empty_figures(engine: Engine) -> None:
    wid = store_workflow(engine, {"name": "Plain", "trigger": {}, "steps": []})

    assert _experiment(engine, wid) == {
        "goal_window": "PT2592000S",
        "groups": {
            "treatment": {"enrolled": 0, "converted": 0, "rate": 0.0},
            "holdout": {"enrolled": 0, "converted": 0, "rate": 0.0},
        },
        "lift": None,
        "splits": [],
    }


def test_split_paths_count_their_enrollments_and_lift_against_the_first(engine: Engine) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 400, 80, path=("1", 0, "A"))
    add_enrollments(engine, wid, 1, 500, 150, path=("1", 1, "B"))
    add_enrollments(engine, wid, 1, 10, 10, test=True, path=("1", 1, "B"))

    (split,) = _experiment(engine, wid)["splits"]

    assert split["path"] == "1" and split["winner"] is None and split["decided_at"] is None
    a, b = split["paths"]
    assert (a["name"], a["weight"], a["enrolled"], a["converted"], a["rate"]) == (
        "A",
        50,
        400,
        80,
        0.2,
    )
    assert (b["enrolled"], b["converted"], b["rate"]) == (500, 150, 0.3)
    assert a["lift_vs_first"] is None
    assert b["lift_vs_first"]["absolute"] == 0.1


def test_splits_nested_in_branches_and_paths_are_found_with_their_paths() -> None:
    inner = {**SPLIT_STEP, "auto_winner": False}
    definition = experiment_definition(
        steps=[
            {
                "type": "branch",
                "condition": {"property": "vip", "op": "eq", "value": True},
                "then": [],
                "else": [{"type": "wait", "duration": "P1D"}, inner],
            },
            {**SPLIT_STEP, "paths": [{"name": "X", "weight": 100, "steps": [inner]}]},
        ]
    )

    plan = experiment_plan(definition)

    assert plan.holdout_percent == 10
    assert [(s.path, s.names, s.auto_winner) for s in plan.splits] == [
        ("0.else.1", ["A", "B"], False),
        ("1", ["X"], True),
        ("1.paths.0.0", ["A", "B"], False),
    ]


def test_a_new_version_starts_the_experiment_over(engine: Engine) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 500, 100, cohort="treatment", path=("1", 0, "A"))
    add_enrollments(engine, wid, 1, 500, 50, cohort="holdout")
    version = store_new_version(engine, wid, experiment_definition(holdout_percent=20))
    add_enrollments(engine, wid, version, 7, 1, cohort="treatment", path=("1", 1, "B"))

    found = _experiment(engine, wid)

    assert found["groups"]["treatment"]["enrolled"] == 7
    assert found["groups"]["holdout"]["enrolled"] == 0
    assert [p["enrolled"] for p in found["splits"][0]["paths"]] == [0, 7]
