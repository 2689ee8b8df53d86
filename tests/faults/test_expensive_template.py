"""A campaign whose template would loop three billion times, sent by `flowline worker` as a
real process: its deliveries fail at once as "template too expensive" (one attempt each, never
rendered again), and another workflow's mail leaves within seconds meanwhile."""

import asyncio

import pytest

from testkit.eventually import eventually
from testkit.smtp import SmtpCapture
from tests.api.steps import email_step
from tests.faults.mail import add_profiles, address, keys_of
from tests.faults.stack import Launch

pytestmark = pytest.mark.slow

# The template of the report: accepted by the plain sandbox, it kept a worker busy for minutes.
THREE_BILLION_LOOPS = (
    "{% for a in range(100000) %}{% for b in range(30000) %}{% endfor %}{% endfor %}"
)
# Within the range limit: stopped by the loop count or the CPU budget, each after ~0.25 s.
A_MILLION_LOOPS = (
    "{% for a in range(1000) %}{% for b in range(1000) %}{{ b }}{% endfor %}{% endfor %}"
)
EXPENSIVE_ENROLLMENTS = 7
# From the last ordinary event to its mail in the mailbox; the expensive renders once held the
# worker's threads for minutes.
ORDINARY_MAIL_WITHIN = 10.0


@pytest.mark.parametrize("template", [THREE_BILLION_LOOPS, A_MILLION_LOOPS], ids=["3e9", "1e6"])
async def test_an_expensive_template_fails_once_while_another_workflow_mails_within_seconds(
    launch: Launch, mailbox: SmtpCapture, template: str
) -> None:
    async with launch() as stack:
        flowline = stack.flowline
        expensive = await flowline.campaign(name="Expensive", html=template)
        ordinary = await flowline.campaign(name="Ordinary", subject="Ordinary for {{ first_name }}")
        heavy = await flowline.workflow(
            name="Heavy",
            trigger={"type": "event", "event": "heavy"},
            steps=[email_step(expensive["id"])],
        )
        await flowline.workflow(
            name="Light",
            trigger={"type": "event", "event": "light"},
            steps=[email_step(ordinary["id"])],
        )
        heavy_profiles = [f"heavy-{i}" for i in range(EXPENSIVE_ENROLLMENTS)]
        light_profiles = [f"light-{i}" for i in range(3)]
        await add_profiles(flowline, heavy_profiles + light_profiles)

        for profile in heavy_profiles:
            await flowline.event(profile, "heavy")
        for profile in light_profiles:
            await flowline.event(profile, "light")
        posted = asyncio.get_running_loop().time()
        wanted = {(address(p), f"Ordinary for {p}") for p in light_profiles}

        async def ordinary_mail_arrived() -> bool:
            return wanted <= keys_of(mailbox)

        await eventually(
            ordinary_mail_arrived,
            timeout=60,
            what=lambda: f"ordinary mail, have {sorted(keys_of(mailbox))}",
        )
        waited = asyncio.get_running_loop().time() - posted
        assert waited < ORDINARY_MAIL_WITHIN, f"ordinary mail took {waited:.1f} s"

        ended = await stack.all_ended(heavy["id"], EXPENSIVE_ENROLLMENTS, timeout=60)
        for enrollment in ended:
            # The enrollment goes on past the failed email, like any template failure.
            assert enrollment["status"] == "completed", enrollment
            [delivery] = enrollment["deliveries"]
            assert delivery["status"] == "failed", delivery
            assert delivery["detail"].startswith("template too expensive: "), delivery
            assert delivery["attempts"] == 1, delivery
        recipients = {str(message["To"]) for message in list(mailbox.messages)}
        assert not recipients & {address(p) for p in heavy_profiles}
