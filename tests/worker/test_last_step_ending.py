"""A run whose last step is an HTTP call has that call write the ending with its delivery: no
finishing write of its own, unless a signal changed the ending meanwhile.

On the time-skipping server with fake activities (tests/worker/fakes.py); the real activity's
writes: tests/worker/activities/test_http_last_step.py.
"""

import asyncio

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.worker import Worker

from flowline.definitions.enrollment import GOAL_SIGNAL, EnrollmentOutcome, GoalReached
from flowline.worker.contracts import FINISH_ENROLLMENT, HTTP_CALL, FinishInput, HttpCallInput
from tests.worker.fakes import FakeActivities, email, enrollment_input, http, start_enrollment


def _calls(fakes: FakeActivities, name: str) -> list[object]:
    return list(fakes.named(name))


async def _local_activity_markers(handle: WorkflowHandle[object, object]) -> int:
    history = await handle.fetch_history()
    return sum(1 for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED)


async def test_the_last_http_call_writes_the_ending_and_the_run_makes_no_finishing_write(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    input = enrollment_input(profile_id, [email(1), http(), http()])
    input.step_paths = input.end_with_last_step = True
    handle = await start_enrollment(worker.client, worker.task_queue, input)

    outcome = await handle.result()

    assert outcome == EnrollmentOutcome(status="completed", steps_completed=3)
    first, last = _calls(fakes, HTTP_CALL)
    assert isinstance(first, HttpCallInput) and isinstance(last, HttpCallInput)
    assert first.end_if_done is None  # not the last step
    assert last.end_if_done is not None and last.end_if_done.steps_completed == 3
    assert _calls(fakes, FINISH_ENROLLMENT) == []
    assert await _local_activity_markers(handle) == 0


async def test_runs_started_without_the_field_keep_their_finishing_write(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, [http()])
    )

    await handle.result()

    [call] = _calls(fakes, HTTP_CALL)
    assert isinstance(call, HttpCallInput) and call.end_if_done is None
    [finish] = _calls(fakes, FINISH_ENROLLMENT)
    assert isinstance(finish, FinishInput)
    assert (finish.status, finish.replaces_step_ending) == ("completed", False)


async def test_a_goal_during_the_last_http_call_has_the_run_replace_the_ending(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.held_http[0] = asyncio.Event()
    input = enrollment_input(profile_id, [http()], exit_on_goal=True)
    input.step_paths = input.end_with_last_step = True
    handle = await start_enrollment(worker.client, worker.task_queue, input)
    while not _calls(fakes, HTTP_CALL):
        await asyncio.sleep(0.01)

    await handle.signal(GOAL_SIGNAL, GoalReached(event_id="e1", event="purchase"))
    fakes.held_http[0].set()
    outcome = await handle.result()

    assert outcome.status == "converted"
    [finish] = _calls(fakes, FINISH_ENROLLMENT)
    assert isinstance(finish, FinishInput)
    assert finish.status == "converted"
    assert finish.replaces_step_ending  # the call wrote `completed`: this replaces it


async def test_a_last_http_call_failing_with_on_failure_exit_ends_the_run_failed(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.failing_http_steps.add(0)
    input = enrollment_input(profile_id, [http(on_failure="exit")])
    input.step_paths = input.end_with_last_step = True
    handle = await start_enrollment(worker.client, worker.task_queue, input)

    outcome = await handle.result()

    assert (outcome.status, outcome.reason) == ("failed", "http_step_failed")
    [finish] = _calls(fakes, FINISH_ENROLLMENT)
    assert isinstance(finish, FinishInput) and finish.status == "failed"
