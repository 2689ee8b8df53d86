"""FLOWLINE_EMAIL_MAX_PER_SECOND: emails go through their own task queue, rate-limited by the
Temporal server for the whole fleet."""

import time

import pytest

from tests.api.steps import email_step
from tests.support.flowline_harness import Flowline


@pytest.fixture
def flowline_settings() -> dict[str, object]:
    return {"email_max_per_second": 5}


async def test_twenty_emails_at_five_per_second_take_at_least_three_seconds(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
    events = [{"profile_id": f"r-{i}", "name": "registered"} for i in range(20)]
    for i in range(20):
        await flowline.profile(f"r-{i}", email=f"r{i}@example.test")

    started = time.monotonic()
    response = await flowline.post("/v1/events/batch", {"events": events})
    assert response.status_code == 202
    await flowline.mailbox.wait_for(20, timeout=60)
    elapsed = time.monotonic() - started

    assert elapsed >= 3.0, f"20 emails in {elapsed:.2f} s"
    [enrollment, *_] = await flowline.enrollments_of(workflow["id"])
    history = await flowline.temporal.get_workflow_handle(
        enrollment["temporal_workflow_id"], run_id=enrollment["temporal_run_id"]
    ).fetch_history()
    queues = {
        e.activity_task_scheduled_event_attributes.task_queue.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    }
    assert queues == {flowline.settings.email_task_queue}
