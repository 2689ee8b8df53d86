"""The `send_email` activity against a real SMTP server on 127.0.0.1."""

from temporalio.service import RPCError

from flowline.definitions.enrollment import enrollment_workflow_id
from testkit.eventually import eventually
from tests.api.steps import email_step
from tests.support.flowline_harness import Flowline


async def test_smtp_down_for_a_few_seconds_delays_the_mail_without_losing_it(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
    await flowline.profile("p-mail", email="grace@example.test", first_name="Grace")
    flowline.mailbox.stop()

    enrolled = (await flowline.enroll(workflow["id"], "p-mail")).json()
    run = flowline.temporal.get_workflow_handle(enrollment_workflow_id(workflow["id"], "p-mail"))

    async def send_failed_and_waits_to_retry() -> bool:
        try:
            pending = (await run.describe()).raw_description.pending_activities
        except RPCError:  # not started yet
            return False
        return any(activity.attempt >= 2 for activity in pending)

    await eventually(
        send_failed_and_waits_to_retry, 30, "a send attempt failing while SMTP is down"
    )
    assert (await flowline.enrollment(enrolled["id"]))["status"] == "active"
    flowline.mailbox.start()

    ended = await flowline.ended(enrolled["id"], timeout=30)
    assert ended["status"] == "completed"
    assert ended["deliveries"][0]["status"] == "sent"
    assert ended["deliveries"][0]["attempts"] > 1
    [message] = flowline.mailbox.messages
    assert message["Subject"] == "Welcome, Grace!"


async def test_profile_without_address_is_a_skipped_delivery(flowline: Flowline) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(
        steps=[email_step(campaign["id"]), email_step(campaign["id"], email_property="work")]
    )
    await flowline.profile("p-noaddr", work="ops@example.test")

    enrolled = (await flowline.enroll(workflow["id"], "p-noaddr")).json()
    ended = await flowline.ended(enrolled["id"])

    assert [d["status"] for d in ended["deliveries"]] == ["skipped", "sent"]
    assert ended["status"] == "completed"
    [message] = await flowline.mailbox.wait_for(1)
    assert message["To"] == "ops@example.test"
    assert message["Subject"] == "Welcome, there!"  # the default of a missing property


async def test_message_id_is_stable_for_the_step_of_the_enrollment(flowline: Flowline) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])] * 2)
    await flowline.profile("p-msgid", email="m@example.test")

    enrolled = (await flowline.enroll(workflow["id"], "p-msgid")).json()
    await flowline.ended(enrolled["id"])

    first, second = await flowline.mailbox.wait_for(2)
    assert first["Message-ID"] != second["Message-ID"]
    assert first["Message-ID"].endswith("@flowline>")
