"""Open and click tracking of one workflow email, as its campaign asks (`track_opens`,
`track_clicks`): links through `{public}/c/{token}`, a pixel `{public}/o/{token}`.

The plain-text part is made from the HTML before anything changes (a campaign without a text
body), so both parts carry the same tracked links and the text shows no pixel. The links are
written with the delivery (`step_context`), by the same transaction.
"""

from dataclasses import dataclass

from flowline.core.models.campaigns import Campaign
from flowline.core.services.engagement.tokens import (
    TrackedDelivery,
    TrackedLink,
    click_token,
    open_token,
)
from flowline.definitions.plain_text import text_from_html
from flowline.definitions.templates import RenderedEmail
from flowline.definitions.tracked_links import track_links, with_open_pixel


@dataclass(frozen=True)
class Tracked:
    email: RenderedEmail
    links: tuple[str, ...]  # each position's address, as the mail had it


@dataclass(frozen=True)
class EngagementTracking:
    public_url: str
    secret: bytes

    def applied(
        self,
        rendered: RenderedEmail,
        campaign: Campaign,
        delivery: TrackedDelivery,
        unsubscribe_url: str | None,
    ) -> Tracked:
        if not (campaign.track_clicks or campaign.track_opens):
            return Tracked(rendered, ())
        base = self.public_url.rstrip("/")
        html = rendered.html
        text = rendered.text or text_from_html(html)
        links: tuple[str, ...] = ()
        if campaign.track_clicks:

            def tracked_url(position: int) -> str:
                link = TrackedLink(delivery.enrollment_id, delivery.step_path, position)
                return f"{base}/c/{click_token(self.secret, link)}"

            def keep(url: str) -> bool:  # one-click unsubscribe works without us in the way
                return url == unsubscribe_url or url.startswith(f"{base}/u/")

            tracked = track_links(html, text, tracked_url=tracked_url, keep=keep)
            html, text, links = tracked.html, tracked.text or text, tracked.links
        if campaign.track_opens:
            html = with_open_pixel(html, f"{base}/o/{open_token(self.secret, delivery)}")
        return Tracked(RenderedEmail(rendered.subject, html, text), links)
