"""A split's winner: recorded once, only when one path is significantly better than every other,
only for a split with `auto_winner`, and per version."""

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from flowline.core.database import session_scope
from flowline.core.models.experiments import SplitWinner
from flowline.core.models.workflows import Workflow
from flowline.core.services.workflows import split_winners
from flowline.core.services.workflows.experiment import workflow_experiment
from flowline.core.services.workflows.split_winners import decide_split_winner
from tests.support.experiment_rows import (
    SPLIT_STEP,
    add_enrollments,
    experiment_definition,
    store_new_version,
    store_workflow,
)

NAMES = ["A", "B"]


def _decide(engine: Engine, wid: int, version: int = 1) -> SplitWinner | None:
    with session_scope(engine) as session:
        found = decide_split_winner(session, wid, version, "1", NAMES)
        if found is not None:
            session.flush()
            session.expunge(found)
        return found


def _rows(engine: Engine) -> list[SplitWinner]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(SplitWinner)))
        session.expunge_all()
        return rows


def test_no_winner_is_recorded_while_the_anytime_interval_holds_zero(engine: Engine) -> None:
    wid = store_workflow(engine, experiment_definition())
    # Fixed-horizon Newcombe would already call B (23 % vs 20 % at 2,000 each); the sequence not.
    add_enrollments(engine, wid, 1, 2000, 400, path=("1", 0, "A"))
    add_enrollments(engine, wid, 1, 2000, 460, path=("1", 1, "B"))

    assert _decide(engine, wid) is None
    assert _rows(engine) == []


def test_a_significantly_better_path_is_recorded_once_with_lift_and_interval(
    engine: Engine,
) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 3000, 600, path=("1", 0, "A"))
    add_enrollments(engine, wid, 1, 3000, 900, path=("1", 1, "B"))

    first = _decide(engine, wid)
    add_enrollments(engine, wid, 1, 3000, 3000, path=("1", 0, "A"))  # A now ahead: too late
    again = _decide(engine, wid)

    assert first is not None and again is not None
    assert (first.path_index, first.path_name) == (1, "B")
    assert round(first.lift, 4) == 0.1
    assert 0 < first.ci_low < first.lift < first.ci_high
    assert again.id == first.id and again.path_name == "B"
    assert len(_rows(engine)) == 1
    with session_scope(engine) as session:
        shown = workflow_experiment(session, session.get_one(Workflow, wid))
    assert shown.splits[0].winner == "B"
    assert shown.splits[0].decided_at == first.decided_at


def test_a_split_without_auto_winner_never_records_one(engine: Engine) -> None:
    steps = [{"type": "wait", "duration": "P1D"}, {**SPLIT_STEP, "auto_winner": False}]
    wid = store_workflow(engine, experiment_definition(steps=steps))
    add_enrollments(engine, wid, 1, 3000, 600, path=("1", 0, "A"))
    add_enrollments(engine, wid, 1, 3000, 900, path=("1", 1, "B"))

    assert _decide(engine, wid) is None
    assert _rows(engine) == []


def test_a_new_version_starts_over_without_the_old_winner(engine: Engine) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 3000, 600, path=("1", 0, "A"))
    add_enrollments(engine, wid, 1, 3000, 900, path=("1", 1, "B"))
    assert _decide(engine, wid) is not None
    version = store_new_version(engine, wid, experiment_definition())

    assert _decide(engine, wid, version) is None
    with session_scope(engine) as session:
        shown = workflow_experiment(session, session.get_one(Workflow, wid))
    assert shown.splits[0].winner is None


def test_a_decision_racing_another_returns_the_row_that_was_first(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    wid = store_workflow(engine, experiment_definition())
    add_enrollments(engine, wid, 1, 3000, 600, path=("1", 0, "A"))
    add_enrollments(engine, wid, 1, 3000, 900, path=("1", 1, "B"))
    with session_scope(engine) as session:  # another worker decided first (say, on older counts)
        session.add(
            SplitWinner(
                workflow_id=wid,
                version=1,
                step_path="1",
                path_index=0,
                path_name="A",
                lift=0.01,
                ci_low=0.001,
                ci_high=0.02,
            )
        )
    looked = []
    first_look = split_winners.recorded_winner

    def not_yet_seen(*args: object) -> SplitWinner | None:
        looked.append(args)
        return None if len(looked) == 1 else first_look(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(split_winners, "recorded_winner", not_yet_seen)

    found = _decide(engine, wid)

    assert found is not None and found.path_name == "A"
    assert [row.path_name for row in _rows(engine)] == ["A"]
