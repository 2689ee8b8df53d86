"""A retry that Temporal starts beside a running attempt of the same message, in the same
process (its heartbeats were late), waits for that attempt and learns what it sent."""

import asyncio

from flowline.worker.activities.sends_in_flight import Accepted, SendsInFlight
from flowline.worker.contracts import StepResult

MESSAGE = "<0123456789abcdef@flowline>"


async def test_a_retry_beside_a_running_attempt_waits_for_it_and_finds_its_acceptance() -> None:
    sends = SendsInFlight()
    order: list[str] = []
    first_in, release = asyncio.Event(), asyncio.Event()
    sent = Accepted(7, StepResult(outcome="sent", detail="accepted by the SMTP server"))

    async def first() -> None:
        async with sends.one_at_a_time(MESSAGE) as earlier:
            assert earlier is None
            first_in.set()
            await release.wait()
            sends.accepted(MESSAGE, sent)  # its write of the delivery then failed
            order.append("first")

    async def retry() -> Accepted | None:
        await first_in.wait()
        async with sends.one_at_a_time(MESSAGE) as earlier:
            order.append("retry")
            return earlier

    running = asyncio.create_task(first())
    retried = asyncio.create_task(retry())
    await asyncio.sleep(0.05)
    assert order == []  # the retry waits while the first attempt may still be sending
    release.set()

    assert await retried == sent
    await running
    assert order == ["first", "retry"]
    sends.recorded(MESSAGE)
    async with sends.one_at_a_time(MESSAGE) as earlier:
        assert earlier is None  # on record now: the database answers for it
