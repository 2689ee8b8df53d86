"""Emails that cannot succeed by retrying fail at once, recorded; outages fail after the bound.

Real SMTP server (aiosmtpd), real Temporal dev server, real database.
"""

import pytest

from tests.api.steps import email_step
from tests.support.flowline_harness import Flowline

INVALID_ADDRESSES = {
    "list": "victim@example.test, a1@evil.test, a2@evil.test",
    "semicolons": "victim@example.test;a1@evil.test",
    "display_name": "Grace <grace@example.test>",
    "carriage_return": "grace@example.test\rBcc: a1@evil.test",
    "line_feed": "grace@example.test\n",
    "two_at_signs": "a@b@c.test",
}


async def test_address_that_is_not_exactly_one_mailbox_is_skipped_and_nothing_is_sent(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    steps = [email_step(campaign["id"], email_property=name) for name in INVALID_ADDRESSES]
    workflow = await flowline.workflow(steps=[*steps, email_step(campaign["id"])])
    await flowline.profile("p-bad", email="ok@example.test", **INVALID_ADDRESSES)

    enrolled = (await flowline.enroll(workflow["id"], "p-bad")).json()
    ended = await flowline.ended(enrolled["id"])

    assert ended["status"] == "completed"
    deliveries = [(d["status"], d["detail"], d["attempts"]) for d in ended["deliveries"]]
    assert deliveries[:-1] == [("skipped", "invalid address", 1)] * len(INVALID_ADDRESSES)
    assert deliveries[-1][0] == "sent"
    assert flowline.mailbox.recipients == [["ok@example.test"]]  # only the last step's


async def test_template_failing_at_render_time_fails_the_delivery_at_once(
    flowline: Flowline,
) -> None:
    broken = await flowline.campaign(
        html="<p>{{ first_name }} {{ city }}: {{ 1/0 }}</p>", text=None
    )
    fine = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(broken["id"]), email_step(fine["id"])])
    await flowline.profile("p-tpl", email="ada@example.test")

    enrolled = (await flowline.enroll(workflow["id"], "p-tpl")).json()
    ended = await flowline.ended(enrolled["id"])

    assert ended["status"] == "completed"
    first, second = ended["deliveries"]
    assert (first["status"], first["attempts"]) == ("failed", 1)
    assert "campaign template error" in first["detail"]
    assert "division by zero" in first["detail"]
    assert second["status"] == "sent"
    assert len(flowline.mailbox.messages) == 1


class TestSmtpDownBeyondTheBound:
    @pytest.fixture
    def flowline_settings(self) -> dict[str, object]:
        return {"email_retry_seconds": 2}

    async def test_delivery_fails_after_the_bound_and_the_enrollment_ends(
        self, flowline: Flowline
    ) -> None:
        campaign = await flowline.campaign()
        workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
        await flowline.profile("p-down", email="grace@example.test")
        flowline.mailbox.stop()

        enrolled = (await flowline.enroll(workflow["id"], "p-down")).json()
        ended = await flowline.ended(enrolled["id"])

        assert ended["status"] == "completed"
        [delivery] = ended["deliveries"]
        assert delivery["status"] == "failed"
        assert delivery["attempts"] >= 2
        assert delivery["detail"].startswith(f"gave up after {delivery['attempts']} attempts")
        assert "cannot connect to the SMTP server" in delivery["detail"]
