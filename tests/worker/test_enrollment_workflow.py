"""`EnrollmentWorkflow` on the time-skipping test server, with the activities swapped by name."""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from flowline.definitions.enrollment import (
    EXIT_SIGNAL,
    GOAL_SIGNAL,
    PROGRESS_QUERY,
    SA_STATUS,
    EnrollmentOutcome,
    ExitRequest,
    GoalReached,
    Progress,
)
from flowline.worker.contracts import (
    FINISH_ENROLLMENT,
    HTTP_CALL,
    RECORD_CONVERSION,
    SEND_EMAIL,
    StepResult,
)
from testkit.eventually import eventually
from tests.worker.fakes import (
    FakeActivities,
    email,
    enrollment_input,
    http,
    start_enrollment,
    wait,
)

PURCHASE_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def result(handle: WorkflowHandle[Any, EnrollmentOutcome]) -> EnrollmentOutcome:
    return await handle.result()


async def progress(handle: WorkflowHandle[Any, Any]) -> Progress:
    return await handle.query(PROGRESS_QUERY, result_type=Progress)


async def until_waiting(handle: WorkflowHandle[Any, Any]) -> Progress:
    """Poll until the enrollment sits in a wait (time only moves when a test says so)."""
    current: Progress | None = None

    async def waiting() -> Progress | None:
        nonlocal current
        current = await progress(handle)
        return current if "waiting until" in current.details else None

    return await eventually(waiting, 10, lambda: f"the enrollment in a wait: {current}", 0.02)


async def into_wait(env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any]) -> None:
    """Reach the wait, then spend one of its three days."""
    await until_waiting(handle)
    await env.sleep(timedelta(days=1))


async def test_steps_run_in_order_and_a_three_day_wait_takes_seconds(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    started = time.monotonic()
    handle = await start_enrollment(worker.client, worker.task_queue, enrollment_input(profile_id))
    outcome = await result(handle)

    assert time.monotonic() - started < 10
    assert fakes.steps_run() == [(SEND_EMAIL, 0), (HTTP_CALL, 2), (SEND_EMAIL, 3)]
    first_email, call, second_email = [c for c in fakes.calls if c.name != FINISH_ENROLLMENT]
    assert call.scheduled_at - first_email.scheduled_at >= timedelta(days=3)
    assert [e.step.campaign_id for e in fakes.named(SEND_EMAIL)] == [1, 2]
    assert outcome == EnrollmentOutcome(status="completed", steps_completed=4)
    [finish] = fakes.named(FINISH_ENROLLMENT)
    assert (finish.status, finish.reason, finish.steps_completed) == ("completed", None, 4)
    assert finish.converted_at is None
    assert finish.enrollment.profile_id == profile_id
    assert finish.enrollment.run_id == handle.result_run_id
    assert fakes.named(RECORD_CONVERSION) == []


async def test_goal_during_wait_with_exit_on_goal_converts_at_once(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    input = enrollment_input(profile_id, exit_on_goal=True)
    handle = await start_enrollment(worker.client, worker.task_queue, input)
    await into_wait(env, handle)
    signalled_at = await env.get_current_time()

    await handle.signal(GOAL_SIGNAL, GoalReached(event_id="e1", event="purchase"))
    outcome = await result(handle)

    assert (outcome.status, outcome.reason) == ("converted", "goal_reached")
    assert outcome.converted_at is not None
    # At once: the remaining two days of the wait were not spent.
    assert outcome.converted_at - signalled_at < timedelta(hours=1)
    assert fakes.steps_run() == [(SEND_EMAIL, 0)]
    # Exit on goal: the conversion is recorded with the end, not separately.
    assert fakes.named(RECORD_CONVERSION) == []
    [finish] = fakes.named(FINISH_ENROLLMENT)
    assert (finish.status, finish.reason) == ("converted", "goal_reached")
    assert finish.converted_at == outcome.converted_at
    # The wait was cut short: only the first email counts as done.
    assert finish.steps_completed == 1


async def test_goal_during_wait_without_exit_on_goal_records_conversion_once_and_continues(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start_enrollment(worker.client, worker.task_queue, enrollment_input(profile_id))
    await into_wait(env, handle)

    await handle.signal(GOAL_SIGNAL, GoalReached(event_id="e1", event="purchase", at=PURCHASE_AT))
    await env.sleep(timedelta(hours=12))
    await handle.signal(GOAL_SIGNAL, GoalReached(event_id="e2", event="purchase"))
    outcome = await result(handle)

    [conversion] = fakes.named(RECORD_CONVERSION)
    assert conversion.converted_at == PURCHASE_AT
    assert fakes.steps_run() == [(SEND_EMAIL, 0), (HTTP_CALL, 2), (SEND_EMAIL, 3)]
    # The goal interrupted the wait only to record the conversion: the three days still passed.
    first_email, _, call, *_ = fakes.calls
    assert call.scheduled_at - first_email.scheduled_at >= timedelta(days=3)
    assert outcome == EnrollmentOutcome(
        status="completed", steps_completed=4, converted_at=PURCHASE_AT
    )
    [finish] = fakes.named(FINISH_ENROLLMENT)
    assert (finish.status, finish.converted_at) == ("completed", PURCHASE_AT)


async def test_consent_withdrawn_during_wait_exits_before_the_next_email(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    # The real activity reads consent live when the step runs; the fake answers as it would.
    fakes.email_results[2] = StepResult(outcome="consent_withdrawn", detail="email_optin is false")
    steps = [email(1), wait("P3D"), email(2), http(), email(3)]
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, steps)
    )
    outcome = await result(handle)

    assert (outcome.status, outcome.reason) == ("exited", "consent_withdrawn")
    assert fakes.steps_run() == [(SEND_EMAIL, 0), (SEND_EMAIL, 2)]
    [finish] = fakes.named(FINISH_ENROLLMENT)
    assert (finish.status, finish.reason, finish.steps_completed) == (
        "exited",
        "consent_withdrawn",
        2,
    )


async def test_exit_signal_during_wait_ends_enrollment_without_further_steps(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start_enrollment(worker.client, worker.task_queue, enrollment_input(profile_id))
    await into_wait(env, handle)

    await handle.signal(EXIT_SIGNAL, ExitRequest(reason="disabled"))
    outcome = await result(handle)

    assert outcome == EnrollmentOutcome(status="exited", reason="disabled", steps_completed=1)
    assert fakes.steps_run() == [(SEND_EMAIL, 0)]
    [finish] = fakes.named(FINISH_ENROLLMENT)
    assert (finish.status, finish.reason, finish.steps_completed) == ("exited", "disabled", 1)


async def test_exit_signal_during_final_wait_does_not_count_the_wait_as_done(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    steps = [email(1), wait("P3D")]
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, steps)
    )
    await into_wait(env, handle)

    await handle.signal(EXIT_SIGNAL, ExitRequest(reason="profile_deleted"))
    outcome = await result(handle)

    assert outcome == EnrollmentOutcome(
        status="exited", reason="profile_deleted", steps_completed=1
    )


async def test_failed_http_call_with_on_failure_continue_runs_the_next_steps(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.failing_http_steps.add(1)
    steps = [email(1), http("continue"), email(2)]
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, steps)
    )
    outcome = await result(handle)

    # Non-retryable: one attempt only.
    assert fakes.steps_run() == [(SEND_EMAIL, 0), (HTTP_CALL, 1), (SEND_EMAIL, 2)]
    assert outcome == EnrollmentOutcome(status="completed", steps_completed=3)


async def test_failed_http_call_with_on_failure_exit_fails_the_enrollment(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.failing_http_steps.add(1)
    steps = [email(1), http("exit"), email(2)]
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, steps)
    )
    outcome = await result(handle)

    assert fakes.steps_run() == [(SEND_EMAIL, 0), (HTTP_CALL, 1)]
    assert (outcome.status, outcome.reason) == ("failed", "http_step_failed")
    [finish] = fakes.named(FINISH_ENROLLMENT)
    assert (finish.status, finish.reason, finish.steps_completed) == (
        "failed",
        "http_step_failed",
        1,
    )


async def test_progress_query_shows_the_wait_and_search_attribute_ends_completed(
    env: WorkflowEnvironment, worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    handle = await start_enrollment(worker.client, worker.task_queue, enrollment_input(profile_id))
    current = await until_waiting(handle)

    assert current.status == "active"
    assert (current.step_index, current.steps) == (1, 4)
    assert current.details.startswith("step 2/4: waiting until ")
    assert current.details.endswith(" UTC")
    assert not current.converted

    await result(handle)
    final = await progress(handle)
    assert (final.status, final.step_index, final.details) == ("completed", 4, "completed")
    description = await handle.describe()
    assert description.typed_search_attributes.get(SA_STATUS) == "completed"


async def test_exit_signal_while_an_email_is_sent_counts_the_email_and_stops(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    release = fakes.held_emails[0] = asyncio.Event()
    handle = await start_enrollment(worker.client, worker.task_queue, enrollment_input(profile_id))
    await eventually(lambda: fakes.calls, 10, "the email activity started", interval=0.02)

    await handle.signal(EXIT_SIGNAL, ExitRequest(reason="disabled"))
    release.set()
    outcome = await result(handle)

    assert fakes.steps_run() == [(SEND_EMAIL, 0)]
    assert outcome == EnrollmentOutcome(status="exited", reason="disabled", steps_completed=1)
