"""A campaign without a text body gets a plain-text part made from its HTML."""

from testkit.smtp import body_of
from tests.api.steps import email_step
from tests.support.flowline_harness import Flowline


async def test_campaign_without_text_gets_a_text_part_from_its_html_with_links(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign(
        html=(
            "<h1>Welcome, {{ first_name }}!</h1>"
            '<p>See <a href="https://shop.example.test/offer?c={{ city }}">our offer</a>.</p>'
        ),
        text=None,
        track_clicks=False,  # tracked links in the text part: tests/api/test_tracking.py
        track_opens=False,
    )
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
    await flowline.profile("p-text", email="grace@example.test", first_name="Grace", city="Oslo")

    enrolled = (await flowline.enroll(workflow["id"], "p-text")).json()
    await flowline.ended(enrolled["id"])

    [message] = await flowline.mailbox.wait_for(1)
    text = body_of(message, "plain").replace("\r\n", "\n")  # SMTP line endings
    assert text == ("Welcome, Grace!\n\nSee our offer (https://shop.example.test/offer?c=Oslo).\n")
    assert "<a" in body_of(message, "html")
