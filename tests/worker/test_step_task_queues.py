"""Email and HTTP steps run on task queues of their own, each with its own activity slots
(worker/main.py): a target that hangs holds HTTP slots only, and other workflows' mail goes on.

Real Temporal dev server, real SMTP server, a real HTTP server on 127.0.0.1 that never answers.
"""

import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine

from flowline.worker.main import HTTP_SLOTS
from testkit.eventually import eventually
from testkit.http_target import HangingTarget
from tests.api.steps import email_step, http_step
from tests.support.flowline_harness import Flowline

ENROLLMENTS = 200
MAIL_WITHIN_SECONDS = 2.0


@pytest.fixture
async def hanging_target() -> AsyncIterator[HangingTarget]:
    target = HangingTarget()
    await target.start()
    yield target
    await target.stop()


async def test_a_hanging_target_with_200_enrollments_does_not_delay_another_workflows_mail(
    hanging_target: HangingTarget, flowline: Flowline, engine: Engine
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("one backend is enough: the worker's slots are what is measured")
    await flowline.workflow(
        name="Calls a target that hangs",
        trigger={"type": "event", "event": "signup"},
        steps=[http_step(hanging_target.url("/hang"), timeout="PT4M")],
    )
    campaign = await flowline.campaign(subject="Hello {{ first_name }}")
    await flowline.workflow(
        name="Welcome",
        trigger={"type": "event", "event": "registered"},
        steps=[email_step(campaign["id"])],
    )
    await flowline.profile("mail-1", email="ada@example.test", first_name="Ada")
    events = [{"profile_id": f"hang-{i}", "name": "signup"} for i in range(ENROLLMENTS)]
    response = await flowline.post("/v1/events/batch", {"events": events})
    assert response.status_code == 202, response.text
    # Every HTTP slot of the worker is held by the target.
    await eventually(
        lambda: _holds(hanging_target, HTTP_SLOTS),
        timeout=120,
        what=lambda: f"{HTTP_SLOTS} requests held by the target, have {hanging_target.held}",
    )

    started = time.monotonic()
    await flowline.event("mail-1", "registered")
    [message] = await flowline.mailbox.wait_for(1, timeout=30)
    took = time.monotonic() - started

    assert message["Subject"] == "Hello Ada"
    assert took < MAIL_WITHIN_SECONDS, f"the mail took {took:.1f} s"
    assert hanging_target.held >= HTTP_SLOTS  # still hanging all along


async def _holds(target: HangingTarget, count: int) -> bool:
    return target.held >= count
