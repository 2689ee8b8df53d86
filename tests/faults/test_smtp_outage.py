"""An SMTP outage longer than a retry interval delays mail; it never drops or doubles it."""

import pytest

from flowline.definitions.enrollment import enrollment_workflow_id
from testkit.eventually import eventually
from testkit.smtp import SmtpCapture
from tests.api.steps import email_step
from tests.faults.mail import add_profiles, address, assert_each_sent_once
from tests.faults.stack import FaultStack, Launch

pytestmark = pytest.mark.slow


async def third_attempt(stack: FaultStack, temporal_workflow_id: str) -> bool:
    pending = await stack.pending_activities(temporal_workflow_id)
    return any(activity.attempt >= 3 for activity in pending)


async def test_smtp_down_longer_than_a_retry_interval_delays_mail_then_sends_each_once(
    launch: Launch, mailbox: SmtpCapture
) -> None:
    async with launch() as stack:
        flowline = stack.flowline
        campaign = await flowline.campaign(subject="Hello {{ first_name }}")
        workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
        profiles = ["s-1", "s-2"]
        mailbox.stop()  # the port stays ours: nothing else listens there meanwhile

        await add_profiles(flowline, profiles)
        for profile in profiles:
            await flowline.event(profile, "registered")
        for profile in profiles:
            temporal_id = enrollment_workflow_id(workflow["id"], profile)
            # Attempt 3 runs after two retry intervals (1 s, 2 s) without an SMTP server.
            await eventually(
                lambda id=temporal_id: third_attempt(stack, id),
                timeout=60,
                what=lambda id=temporal_id: f"a third send attempt of {id}",
            )
        listed = await flowline.enrollments_of(workflow["id"])
        assert [e["status"] for e in listed] == ["active", "active"]
        for enrollment in listed:
            assert (await flowline.enrollment(enrollment["id"]))["deliveries"] == []

        mailbox.start()
        ended = await stack.all_ended(workflow["id"], len(profiles))

        assert_each_sent_once(mailbox.messages, {(address(p), f"Hello {p}") for p in profiles})
        for enrollment in ended:
            assert enrollment["status"] == "completed"
            [delivery] = enrollment["deliveries"]
            assert delivery["status"] == "sent", delivery
            assert delivery["attempts"] >= 3, delivery  # sent by a retry, after the outage
