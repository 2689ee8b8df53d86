"""`kill -9` of the Temporal dev server mid-wait: on restart (same file, same port) every
enrollment completes and no email goes out twice; events posted meanwhile still trigger."""

import pytest

from testkit.smtp import SmtpCapture
from tests.faults.mail import (
    add_profiles,
    assert_each_sent_once,
    assert_series_completed,
    email_series,
    series_mail,
)
from tests.faults.stack import Launch

pytestmark = pytest.mark.slow


async def test_temporal_killed_mid_wait_restarts_on_its_file_and_every_enrollment_completes_once(
    launch: Launch, mailbox: SmtpCapture
) -> None:
    async with launch() as stack:
        flowline = stack.flowline
        workflow = await email_series(flowline, wait="PT4S")
        waiting, late = ["t-1", "t-2", "t-3"], "t-late"
        await add_profiles(flowline, [*waiting, late])
        for profile in waiting:
            await flowline.event(profile, "registered")
        await stack.all_waiting(workflow["id"], waiting)

        stack.temporal.kill()
        # Ingestion does not need Temporal: the outbox keeps the trigger until it is back.
        await flowline.event(late, "registered")
        await stack.restart_temporal()
        ended = await stack.all_ended(workflow["id"], len(waiting) + 1)

        assert sorted(e["profile_id"] for e in ended) == sorted([*waiting, late])
        assert_series_completed(ended)
        assert_each_sent_once(mailbox.messages, series_mail([*waiting, late]))
