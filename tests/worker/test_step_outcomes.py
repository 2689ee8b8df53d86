"""Nothing stuck: a step that ends without a recorded delivery still ends, and gets one.

On the time-skipping server with fake activities (tests/worker/fakes.py).
"""

from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.worker import Worker

from flowline.definitions.enrollment import EnrollmentOutcome
from flowline.worker import policies
from flowline.worker.contracts import (
    HTTP_CALL,
    RECORD_DELIVERY,
    SEND_EMAIL,
    DeliveryRecordInput,
    StepResult,
)
from tests.worker.fakes import FakeActivities, email, enrollment_input, http, start_enrollment


async def test_email_activity_that_fails_for_good_is_recorded_failed_and_the_enrollment_goes_on(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.failing_email_steps.add(0)
    steps = [email(1), email(2)]
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, steps)
    )

    outcome = await handle.result()

    assert outcome == EnrollmentOutcome(status="completed", steps_completed=2)
    assert fakes.steps_run() == [(SEND_EMAIL, 0), (SEND_EMAIL, 1)]
    [recorded] = fakes.named(RECORD_DELIVERY)
    assert isinstance(recorded, DeliveryRecordInput)
    assert (recorded.step_path, recorded.type, recorded.outcome) == ("0", "email", "failed")
    assert "SMTP server gone" in recorded.detail


async def test_sent_email_the_activity_could_not_record_is_recorded_by_the_workflow_not_resent(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.email_results[0] = StepResult(
        outcome="sent", detail="accepted by the SMTP server", recorded=False, attempts=1
    )
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, [email(1), email(2)])
    )

    outcome = await handle.result()

    assert outcome.status == "completed"
    assert fakes.steps_run() == [(SEND_EMAIL, 0), (SEND_EMAIL, 1)]  # step 0 sent once
    [recorded] = fakes.named(RECORD_DELIVERY)
    assert isinstance(recorded, DeliveryRecordInput)
    assert (recorded.step_path, recorded.outcome, recorded.attempts) == ("0", "sent", 1)


async def test_failed_http_call_with_on_failure_exit_has_its_failure_recorded_and_fails(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.failing_http_steps.add(0)
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, [http("exit"), email(1)])
    )

    outcome = await handle.result()

    assert (outcome.status, outcome.reason) == ("failed", "http_step_failed")
    assert fakes.steps_run() == [(HTTP_CALL, 0)]
    [recorded] = fakes.named(RECORD_DELIVERY)
    assert isinstance(recorded, DeliveryRecordInput)
    assert (recorded.step_path, recorded.type, recorded.outcome) == ("0", "http", "failed")


async def test_every_step_activity_has_a_hard_backstop_and_an_attempt_timeout(
    worker: Worker, fakes: FakeActivities, profile_id: str
) -> None:
    fakes.email_results[0] = StepResult(outcome="sent", recorded=False)
    handle = await start_enrollment(
        worker.client, worker.task_queue, enrollment_input(profile_id, [email(1), http()])
    )
    await handle.result()

    history = await handle.fetch_history()
    scheduled = {
        e.activity_task_scheduled_event_attributes.activity_type.name: (
            e.activity_task_scheduled_event_attributes
        )
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    }
    expected = {
        SEND_EMAIL: (policies.EMAIL_TIMEOUT, policies.EMAIL_SCHEDULE_TO_CLOSE),
        HTTP_CALL: (
            policies.http_start_to_close(timedelta(seconds=10)),
            policies.HTTP_SCHEDULE_TO_CLOSE,
        ),
        RECORD_DELIVERY: (policies.RECORD_TIMEOUT, policies.RECORD_SCHEDULE_TO_CLOSE),
    }
    for name, (start_to_close, schedule_to_close) in expected.items():
        attributes = scheduled[name]
        assert attributes.start_to_close_timeout.ToTimedelta() == start_to_close, name
        # Retries without an attempt limit, but never for longer than the backstop.
        assert attributes.schedule_to_close_timeout.ToTimedelta() == schedule_to_close, name
        assert attributes.retry_policy.maximum_attempts == 0, name
