"""Once the SMTP server has accepted a message, no retry sends it again.

Real SMTP server (aiosmtpd), real Temporal dev server, real database.
"""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from flowline.worker import policies
from flowline.worker.activities import step_context
from tests.api.steps import email_step
from tests.support.flowline_harness import Flowline


async def enroll_one_email(flowline: Flowline, profile_id: str) -> dict[str, Any]:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
    await flowline.profile(profile_id, email="grace@example.test", first_name="Grace")
    enrolled = await flowline.enroll(workflow["id"], profile_id)
    assert enrolled.status_code == 201, enrolled.text
    return await flowline.ended(enrolled.json()["id"])


async def test_database_write_failing_once_after_the_send_does_not_send_it_again(
    flowline: Flowline, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = step_context.record_delivery
    calls: list[str] = []

    def fails_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["status"])
        if len(calls) == 1:
            raise OperationalError("UPDATE deliveries", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(step_context, "record_delivery", fails_once)

    ended = await enroll_one_email(flowline, "p-once")

    assert calls[0] == "sent"  # the failure hit the write after a successful send
    assert len(flowline.mailbox.messages) == 1
    assert flowline.mailbox.recipients == [["grace@example.test"]]
    assert ended["status"] == "completed"
    [delivery] = ended["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("sent", 1)


async def test_attempt_that_overruns_is_not_retried_while_it_may_still_be_sending(
    flowline: Flowline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real budgets in miniature (same shape: start-to-close = phases + margin), so the
    # test takes seconds; the SMTP server sits on the first RCPT far longer than all of it.
    monkeypatch.setattr(policies, "STEP_PREPARE_BUDGET", timedelta(seconds=2))
    monkeypatch.setattr(policies, "SMTP_SEND_BUDGET", timedelta(seconds=1))
    monkeypatch.setattr(policies, "STEP_RECORD_BUDGET", timedelta(seconds=2))
    monkeypatch.setattr(policies, "EMAIL_TIMEOUT", timedelta(seconds=6))
    flowline.mailbox.rcpt_stall = 10.0
    before = len(flowline.mailbox.connections)

    ended = await enroll_one_email(flowline, "p-slow")

    assert ended["status"] == "completed"
    assert ended["deliveries"][0]["status"] == "sent"
    ours = flowline.mailbox.connections[before:]
    assert len(ours) >= 2, ours  # the stalled attempt, then the retry that sent it
    for earlier, later in zip(ours, ours[1:], strict=False):
        # Each attempt had hung up before the next one connected.
        assert earlier.closed is not None and earlier.closed <= later.opened, ours
    assert len(flowline.mailbox.messages) == 1


@pytest.mark.slow
async def test_server_answering_the_end_of_data_after_35_s_gets_the_message_once(
    flowline: Flowline, engine: Engine
) -> None:
    # RFC 5321 lets a server take 10 minutes over it; a client that gave up after 30 s had the
    # message delivered again on each retry. (The database plays no part: SQLite only.)
    if engine.dialect.name != "sqlite":
        pytest.skip("one backend is enough: the SMTP conversation is what is measured")
    flowline.mailbox.data_stall = 35.0
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
    await flowline.profile("p-slow-data", email="grace@example.test", first_name="Grace")
    enrolled = await flowline.enroll(workflow["id"], "p-slow-data")
    assert enrolled.status_code == 201, enrolled.text

    ended = await flowline.ended(enrolled.json()["id"], timeout=120)

    assert ended["status"] == "completed"
    [delivery] = ended["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("sent", 1)
    assert len(flowline.mailbox.messages) == 1
