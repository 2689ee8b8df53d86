"""What each campaign switch does to one rendered mail."""

import re

from flowline.core.models.campaigns import Campaign
from flowline.core.services.engagement.tokens import (
    TrackedDelivery,
    TrackedLink,
    read_click_token,
    read_open_token,
)
from flowline.definitions.templates import RenderedEmail
from flowline.worker.activities.email_tracking import EngagementTracking

SECRET = b"worker-secret"
TRACKING = EngagementTracking("https://pub.test/", SECRET)
DELIVERY = TrackedDelivery(enrollment_id=42, step_path="2.then.0")
UNSUBSCRIBE = "https://pub.test/u/abc.def"
MAIL = RenderedEmail(
    subject="Hi",
    html=(
        '<body><a href="https://shop.test/?n=Ann">Shop</a> '
        f'<a href="{UNSUBSCRIBE}">Unsubscribe</a></body>'
    ),
    text=None,
)


def campaign(opens: bool, clicks: bool) -> Campaign:
    return Campaign(name="c", subject="s", html="h", track_opens=opens, track_clicks=clicks)


def test_clicks_and_opens_tracked_the_tokens_name_the_delivery_and_the_link() -> None:
    tracked = TRACKING.applied(MAIL, campaign(True, True), DELIVERY, UNSUBSCRIBE)

    [click] = re.findall(r'href="https://pub\.test/c/([^"]+)"', tracked.email.html)
    [pixel] = re.findall(r'<img src="https://pub\.test/o/([^"]+)"', tracked.email.html)
    assert read_click_token([SECRET], click) == TrackedLink(42, "2.then.0", 0)
    assert read_open_token([SECRET], pixel) == DELIVERY
    assert tracked.links == ("https://shop.test/?n=Ann",)
    assert f'href="{UNSUBSCRIBE}"' in tracked.email.html
    text = tracked.email.text or ""
    assert f"Shop (https://pub.test/c/{click})" in text and "/o/" not in text


def test_opens_only_keeps_the_links_as_they_are() -> None:
    tracked = TRACKING.applied(MAIL, campaign(True, False), DELIVERY, UNSUBSCRIBE)

    assert tracked.links == ()
    assert 'href="https://shop.test/?n=Ann"' in tracked.email.html
    assert "https://pub.test/o/" in tracked.email.html


def test_clicks_only_adds_no_pixel_and_neither_changes_nothing() -> None:
    clicks = TRACKING.applied(MAIL, campaign(False, True), DELIVERY, UNSUBSCRIBE)
    neither = TRACKING.applied(MAIL, campaign(False, False), DELIVERY, UNSUBSCRIBE)

    assert "<img" not in clicks.email.html and len(clicks.links) == 1
    assert neither.email == MAIL and neither.links == ()
