"""Saved enrollment histories must replay on today's `EnrollmentWorkflow` without nondeterminism.

A failure here means running enrollments would break on deploy: guard the change with
`workflow.patched` (see `make_history` for adding histories).
"""

from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from flowline.worker.workflows import EnrollmentWorkflow
from tests.worker.make_history import HISTORIES, record_enrollment

SAVED = sorted(HISTORIES.glob("*.json"))


def replayer() -> Replayer:
    return Replayer(workflows=[EnrollmentWorkflow], data_converter=pydantic_data_converter)


def test_a_history_is_saved() -> None:
    assert SAVED, f"no history in {HISTORIES}: run `python -m tests.worker.make_history`"


@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
async def test_saved_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    kinds = {event.event_type for event in history.events}
    # The history is worth guarding only if it covers what enrollments do.
    assert {
        EventType.EVENT_TYPE_TIMER_FIRED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    } <= kinds

    result = await replayer().replay_workflow(history)

    assert result.replay_failure is None


async def test_fresh_history_replays_without_nondeterminism(env: WorkflowEnvironment) -> None:
    # Catches nondeterminism inside today's code (e.g. wall-clock time, random), not only drift.
    history = await record_enrollment(env)

    result = await replayer().replay_workflow(history)

    assert result.replay_failure is None
