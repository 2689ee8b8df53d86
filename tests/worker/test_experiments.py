"""A held-out enrollment runs no step; a random split runs the steps of the path it drew."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from flowline.definitions.enrollment import (
    GOAL_SIGNAL,
    PROGRESS_QUERY,
    EnrollmentOutcome,
    GoalReached,
    Progress,
)
from flowline.definitions.experiments import chosen_path
from flowline.worker.contracts import FINISH_ENROLLMENT, RECORD_CONVERSION
from flowline.worker.journey_contracts import CHOOSE_SPLIT_PATH
from flowline.worker.sandbox import workflow_runner
from flowline.worker.workflows import EnrollmentWorkflow
from testkit.eventually import eventually
from tests.worker.fakes import (
    STEP_ACTIVITIES,
    FakeActivities,
    email,
    enrollment_input,
    http,
    start_enrollment,
    wait,
)

PURCHASE_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
Handle = WorkflowHandle[Any, EnrollmentOutcome]


def split(*paths: list[dict[str, Any]], auto_winner: bool = False) -> dict[str, Any]:
    weights = [100 // len(paths)] * len(paths)
    weights[0] += 100 - sum(weights)
    return {
        "type": "split",
        "paths": [
            {"name": name, "weight": weight, "steps": steps}
            for name, weight, steps in zip("ABCDE", weights, paths, strict=False)
        ],
        "auto_winner": auto_winner,
    }


async def details(handle: Handle) -> str:
    return (await handle.query(PROGRESS_QUERY, result_type=Progress)).details


async def test_a_held_out_enrollment_runs_no_step_and_converts_on_the_goal(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    input = enrollment_input(profile_id, [email(1), wait("P3D"), http(), email(2)])
    input.cohort = "holdout"
    handle = await start_enrollment(worker.client, worker.task_queue, input)

    async def watching() -> bool:
        return (await details(handle)).startswith("holdout: no step runs")

    await eventually(watching, 10, "the holdout watching for the goal", interval=0.02)
    await env.sleep(timedelta(days=1))
    await handle.signal(GOAL_SIGNAL, GoalReached(event_id="e1", event="purchase", at=PURCHASE_AT))
    outcome = await handle.result()

    assert [c.name for c in fakes.calls if c.name in STEP_ACTIVITIES] == []
    [conversion] = fakes.named(RECORD_CONVERSION)
    assert conversion.converted_at == PURCHASE_AT
    assert conversion.enrollment.cohort == "holdout"
    assert (outcome.status, outcome.steps_completed, outcome.converted_at) == (
        "completed",
        0,
        PURCHASE_AT,
    )


async def test_a_held_out_enrollment_lasts_as_long_as_the_steps_would(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    input = enrollment_input(profile_id, [email(1), wait("P3D"), http()])
    input.cohort = "holdout"
    started = await env.get_current_time()
    handle = await start_enrollment(worker.client, worker.task_queue, input)
    outcome = await handle.result()

    [finish] = fakes.named(FINISH_ENROLLMENT)
    assert outcome.status == "completed" and outcome.converted_at is None
    assert timedelta(days=3) <= (await env.get_current_time()) - started < timedelta(days=4)
    assert finish.enrollment.cohort == "holdout"
    assert [c.name for c in fakes.calls if c.name in STEP_ACTIVITIES] == []


async def test_a_held_out_enrollment_with_exit_on_goal_ends_converted_at_the_goal(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    input = enrollment_input(profile_id, [wait("P3D"), email(1)], exit_on_goal=True)
    input.cohort = "holdout"
    handle = await start_enrollment(worker.client, worker.task_queue, input)
    await env.sleep(timedelta(hours=2))
    await handle.signal(GOAL_SIGNAL, GoalReached(event_id="e1", event="purchase"))
    outcome = await handle.result()

    assert (outcome.status, outcome.reason) == ("converted", "goal_reached")
    assert fakes.named(RECORD_CONVERSION) == []  # recorded with the end
    assert [c.name for c in fakes.calls if c.name in STEP_ACTIVITIES] == []


async def test_a_split_runs_only_the_steps_of_the_path_it_drew(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.split_paths["1"] = 2
    steps = [email(1), split([email(2)], [http()], [wait("PT1H"), email(1)]), http()]
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, steps)
    )
    outcome = await handle.result()

    assert fakes.paths_run() == [
        ("send_email", "0"),
        (CHOOSE_SPLIT_PATH, "1"),
        ("send_email", "1.paths.2.1"),
        ("http_call", "2"),
    ]
    [choice] = fakes.named(CHOOSE_SPLIT_PATH)
    assert (choice.names, choice.weights, choice.auto_winner) == (
        ["A", "B", "C"],
        [34, 33, 33],
        False,
    )
    assert outcome.status == "completed" and outcome.steps_completed == 3


async def test_the_split_path_is_the_hash_of_its_ids_across_a_worker_restart_and_a_replay(
    env: WorkflowEnvironment, fakes: FakeActivities
) -> None:
    # A profile whose draw is the second path: the first would run if nothing were drawn.
    run = uuid.uuid4().hex[:8]
    profile_id = next(
        p for n in range(1000) if chosen_path(7, 1, "1", (p := f"p-{run}-{n}"), [50, 50]) == 1
    )
    queue = f"flowline-test-{uuid.uuid4()}"
    steps = [wait("PT1H"), split([email(1)], [email(2)])]
    client: Client = env.client

    def a_worker() -> Worker:
        return Worker(
            client,
            task_queue=queue,
            workflows=[EnrollmentWorkflow],
            workflow_runner=workflow_runner(),
            activities=fakes.activities(),
            # No cache: every workflow task replays the history so far (no sticky queue of a
            # worker that is gone), as after a restart.
            max_cached_workflows=0,
        )

    async with a_worker():
        handle = await start_enrollment(client, queue, enrollment_input(profile_id, steps))

        async def waiting() -> bool:
            return "waiting until" in await details(handle)

        await eventually(waiting, 10, "the enrollment waiting", interval=0.02)
    # The first worker is gone; another takes over after the wait.
    async with a_worker():
        outcome = await handle.result()
    history = await handle.fetch_history()

    assert ("send_email", "1.paths.1.0") in fakes.paths_run()
    assert outcome.status == "completed"
    replayed = await Replayer(
        workflows=[EnrollmentWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    ).replay_workflow(history)
    assert replayed.replay_failure is None
