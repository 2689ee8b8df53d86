"""Saved enrollment histories must replay on today's `EnrollmentWorkflow` without nondeterminism.

A failure here means running enrollments would break on deploy: guard the change with
`workflow.patched` (see `make_history` for adding histories).
"""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from flowline.worker.sandbox import workflow_runner
from flowline.worker.workflows import EnrollmentWorkflow
from tests.worker.history_scenarios import SCENARIOS
from tests.worker.make_history import HISTORIES, patches_taken, record, record_enrollment

SAVED = sorted(HISTORIES.glob("*.json"))


def replayer() -> Replayer:
    return Replayer(
        workflows=[EnrollmentWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    )


def test_every_path_has_a_saved_history() -> None:
    missing = [name for name in SCENARIOS if not (HISTORIES / f"{name}.json").exists()]
    assert not missing, f"run `python -m tests.worker.make_history` to record {missing}"


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
async def test_saved_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    kinds = {event.event_type for event in history.events}
    # The history is worth guarding only if it covers the path it stands for.
    scenario = SCENARIOS.get(path.stem)
    if scenario is not None:
        assert scenario.must_contain <= kinds
        assert scenario.patches <= patches_taken(history)
        assert not scenario.patches_absent & patches_taken(history)

    result = await replayer().replay_workflow(history)

    assert result.replay_failure is None


async def test_fresh_history_replays_without_nondeterminism(env: WorkflowEnvironment) -> None:
    # Catches nondeterminism inside today's code (e.g. wall-clock time, random), not only drift.
    history = await record_enrollment(env)

    result = await replayer().replay_workflow(history)

    assert result.replay_failure is None


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_every_path_recorded_today_replays(env: WorkflowEnvironment, name: str) -> None:
    history = await record(env, name)

    result = await replayer().replay_workflow(history)

    assert result.replay_failure is None
    assert SCENARIOS[name].must_contain <= {event.event_type for event in history.events}
    assert SCENARIOS[name].patches <= patches_taken(history)
    assert not SCENARIOS[name].patches_absent & patches_taken(history)
