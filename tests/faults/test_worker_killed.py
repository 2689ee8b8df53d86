"""`kill -9` of the worker: the moment the SMTP server accepted a message, while enrollments
wait, and right after an email step was recorded. A new worker finishes every enrollment, and
the SMTP server receives each message once; the one duplicate DESIGN allows (the worker died
between the server's 250 and the activity reporting back) must carry the same Message-ID."""

import asyncio
from email.message import Message

import pytest

from testkit.eventually import eventually
from testkit.smtp import SmtpCapture
from tests.faults.mail import (
    SUBJECTS,
    Key,
    add_profiles,
    address,
    assert_each_sent_once,
    assert_series_completed,
    email_series,
    keys_of,
    series_mail,
)
from tests.faults.stack import FaultStack, Launch
from tests.support.processes import FlowlineWorker

pytestmark = pytest.mark.slow


async def recorded_mail(stack: FaultStack, workflow_id: int) -> set[Key]:
    """(recipient, subject) of every email the database records as sent."""
    return {
        (address(profile), SUBJECTS[step].format(profile))
        for profile, step in await stack.sent_deliveries(workflow_id)
    }


async def test_worker_killed_mid_send_mid_wait_and_after_a_send_completes_all_sending_each_once(
    launch: Launch, mailbox: SmtpCapture
) -> None:
    async with launch() as stack:
        flowline = stack.flowline
        [worker] = stack.workers
        workflow = await email_series(flowline, wait="PT3S")
        early, late = ["k-1", "k-2"], ["k-3", "k-4"]
        await add_profiles(flowline, early + late)
        # Accepted by the SMTP server, not recorded when the worker died: the only mail a new
        # worker may send a second time.
        unreported: set[Key] = set()

        async def replace_killed(worker: FlowlineWorker) -> None:
            await eventually(
                lambda: _gone(worker), timeout=30, what=lambda: f"{worker.name} to die"
            )
            unreported.update(keys_of(mailbox) - await recorded_mail(stack, workflow["id"]))
            await stack.restart(worker)

        # 1. Mid-send: the SMTP server has kept the first message; the worker is frozen before
        # its 250 goes out and killed after, so it can never report the send, however loaded
        # the machine (a kill sent after the 250 could lose the race to the report).
        def kill_on_first_message(_: Message) -> None:
            mailbox.on_accepted = None
            worker.send_stop()
            asyncio.get_running_loop().call_soon(worker.send_kill)

        mailbox.on_accepted = kill_on_first_message
        for profile in early:
            await flowline.event(profile, "registered")
        await replace_killed(worker)
        assert unreported, "the kill was meant to land between the 250 and the report"

        # 2. Mid-wait: the later profiles got their first email and wait on their timers.
        for profile in late:
            await flowline.event(profile, "registered")
        await stack.all_waiting(workflow["id"], late)
        worker.send_kill()
        await replace_killed(worker)

        # 3. Right after an email step: the first second email recorded as sent.
        await eventually(
            lambda: _second_sent(stack, workflow["id"]),
            timeout=90,
            what=lambda: "a second email recorded as sent",
            interval=0.02,
        )
        worker.send_kill()
        await replace_killed(worker)

        ended = await stack.all_ended(workflow["id"], len(early + late))

        assert_series_completed(ended)
        assert_each_sent_once(mailbox.messages, series_mail(early + late), may_repeat=unreported)


async def _gone(worker: FlowlineWorker) -> bool:
    return not worker.running


async def _second_sent(stack: FaultStack, workflow_id: int) -> bool:
    return any(step == 2 for _, step in await stack.sent_deliveries(workflow_id))
