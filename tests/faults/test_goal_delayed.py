"""A goal reached while an enrollment runs converts it, even when a dispatcher crash holds the
goal back until the enrollment has ended (the outbox promises that nothing is lost)."""

import asyncio
from datetime import datetime

import pytest

from tests.api.steps import wait_step
from tests.faults.stack import Launch

pytestmark = pytest.mark.slow


class ConversionLost(AssertionError):
    """A goal reached during the enrollment that did not count."""


async def test_goal_reached_while_enrolled_converts_though_delivered_after_the_end(
    launch: Launch,
) -> None:
    async with launch(workers=0) as stack:
        runner = stack.start_worker("runner", dispatcher=False)
        dispatcher = stack.start_worker("dispatcher")
        await asyncio.gather(stack.ready(runner), stack.ready(dispatcher))
        flowline = stack.flowline
        workflow = await flowline.workflow(goal={"event": "purchase"}, steps=[wait_step("PT3S")])
        await flowline.event("g-1", "registered")
        await flowline.settled()  # the start has reached Temporal

        dispatcher.kill()  # nothing hands the goal to Temporal now
        await flowline.event("g-1", "purchase")
        [ended] = await stack.all_ended(workflow["id"], 1)
        profile = (await flowline.api.get("/v1/profiles/g-1")).json()
        [purchased] = [e["timestamp"] for e in profile["events"] if e["name"] == "purchase"]
        started, finished = ended["started_at"], ended["ended_at"]
        assert _time(started) < _time(purchased) < _time(finished), (started, purchased, finished)

        await stack.restart(dispatcher)
        await flowline.settled()
        enrollment = await flowline.enrollment(ended["id"])
        if not enrollment["converted"]:
            raise ConversionLost(f"purchase at {purchased} not counted: {enrollment}")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
