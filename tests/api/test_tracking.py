"""Tracked clicks and opens on the real stack: a mail the SMTP server received, its links and
pixel fetched with httpx, the rows and events they leave, a goal on `email_clicked`."""

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from flowline.app import create_app
from flowline.core.models.engagement import EmailEngagement, EmailLink
from flowline.core.models.enrollments import Delivery
from flowline.core.models.events import Event
from flowline.core.timestamps import utcnow
from flowline.definitions.prefetching_agents import MACHINE_SECONDS
from testkit.eventually import eventually
from testkit.smtp import body_of
from tests.api.steps import email_step, http_step, wait_step
from tests.support.flowline_harness import Flowline

PUBLIC = "http://flowline.test"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
OFFER = "https://shop.example.test/offer?n={{ first_name }}&amp;c=1"
HTML = (
    "<html><body><p>Hi {{ first_name }}{{ city }}</p>"
    f'<p><a href="{OFFER}">Our offer</a> <a href="mailto:help@shop.example.test">Help</a></p>'
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>'
)
TRACKED = re.compile(re.escape(PUBLIC) + r"/c/[A-Za-z0-9_.-]+")
PIXEL = re.compile(re.escape(PUBLIC) + r"/o/[A-Za-z0-9_.-]+")


@pytest.fixture
def flowline_settings() -> dict[str, object]:
    return {"public_url": PUBLIC}


@pytest.fixture
async def visitor(flowline: Flowline) -> AsyncIterator[httpx.AsyncClient]:
    """Someone reading the mail: no API key, the links as the mail has them."""
    app = create_app(flowline.settings, engine=flowline.engine, temporal_client=flowline.temporal)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, headers={"User-Agent": BROWSER}) as client:
        yield client


async def mailed(flowline: Flowline, **workflow: Any) -> tuple[dict[str, Any], Any]:
    """A tracked campaign sent to Ann; the workflow and the message the SMTP server got."""
    campaign = await flowline.campaign(html=HTML, text=None)
    created = await flowline.workflow(
        consent_property="email_optin",
        steps=[email_step(campaign["id"]), wait_step("PT1H")],
        **workflow,
    )
    await flowline.profile("p-ann", email="ann@example.test", first_name="Ann", email_optin=True)
    await flowline.event("p-ann", "registered")
    [message] = await flowline.mailbox.wait_for(1)
    return created, message


def sent_delivery(flowline: Flowline) -> Delivery:
    with Session(flowline.engine) as session:
        return session.exec(select(Delivery).where(col(Delivery.type) == "email")).one()


async def after_the_machine_window(flowline: Flowline) -> None:
    """A person reads the mail later than a scanner would: past the window after the send."""
    delivery = await eventually(
        lambda: _sent(flowline), 30, "the delivery on record", interval=0.02
    )
    wait = (delivery.created_at + timedelta(seconds=MACHINE_SECONDS) - utcnow()).total_seconds()
    await asyncio.sleep(max(0.0, wait) + 0.05)


def _sent(flowline: Flowline) -> Delivery | None:
    with Session(flowline.engine) as session:
        return session.exec(select(Delivery).where(col(Delivery.type) == "email")).first()


def events_named(flowline: Flowline, name: str) -> list[Event]:
    with Session(flowline.engine) as session:
        return list(session.exec(select(Event).where(col(Event.name) == name).order_by(Event.id)))


def engagements(flowline: Flowline, kind: str) -> list[EmailEngagement]:
    with Session(flowline.engine) as session:
        query = select(EmailEngagement).where(col(EmailEngagement.kind) == kind)
        return list(session.exec(query.order_by(col(EmailEngagement.id))))


async def test_a_tracked_link_redirects_to_the_address_of_that_mail_and_its_click_converts(
    flowline: Flowline, visitor: httpx.AsyncClient
) -> None:
    workflow, message = await mailed(flowline, goal={"event": "email_clicked"}, exit_on_goal=True)
    html, text = body_of(message, "html"), body_of(message, "plain")
    [link] = TRACKED.findall(html)
    assert link in text  # the text part made from the HTML carries the same tracked link
    assert "shop.example.test/offer" not in html + text
    assert f'href="{PUBLIC}/u/' in html and 'href="mailto:help@shop.example.test"' in html
    await after_the_machine_window(flowline)

    clicked = await visitor.get(link)

    assert clicked.status_code == 302
    assert clicked.headers["location"] == "https://shop.example.test/offer?n=Ann&c=1"
    assert clicked.headers["cache-control"] == "no-store"
    [enrollment] = await flowline.enrollments_of(workflow["id"])
    ended = await flowline.ended(enrollment["id"])
    assert ended["status"] == "converted"
    [event] = events_named(flowline, "email_clicked")
    delivery = sent_delivery(flowline)
    assert event.profile_id == "p-ann"
    assert event.properties == {
        "campaign_id": workflow["steps"][0]["campaign_id"],
        "workflow_id": workflow["id"],
        "delivery_id": delivery.id,
        "step": "0",
        "url": "https://shop.example.test/offer?n=Ann&c=1",
        "machine": False,
    }
    assert (await visitor.get(link)).status_code == 302  # a second click: no second event
    await flowline.settled()
    assert len(events_named(flowline, "email_clicked")) == 1
    [row] = engagements(flowline, "click")
    assert (row.delivery_id, row.link_position, row.machine) == (delivery.id, 0, False)


async def test_an_altered_or_unknown_click_token_is_a_404_page_and_no_redirect(
    flowline: Flowline, visitor: httpx.AsyncClient
) -> None:
    _, message = await mailed(flowline)
    [link] = TRACKED.findall(body_of(message, "html"))
    payload, signature = link.rsplit("/", 1)[1].split(".")
    altered = f"{PUBLIC}/c/{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{signature}"

    for url in (altered, f"{PUBLIC}/c/https%3A%2F%2Fevil.test", f"{PUBLIC}/c/{'x' * 3000}"):
        answer = await visitor.get(url, headers={"Accept": "text/html,*/*;q=0.8"})
        assert answer.status_code == 404, url
        assert "location" not in answer.headers
        assert answer.headers["content-type"].startswith("text/html")
        assert "This link does not work" in answer.text
    script = await visitor.get(altered, headers={"Accept": "*/*"})
    assert (script.status_code, script.json()["error"]) == (404, "NotFound")
    assert engagements(flowline, "click") == []


async def test_the_pixel_fetched_twice_is_one_open_and_a_prefetcher_is_a_machine(
    flowline: Flowline, visitor: httpx.AsyncClient
) -> None:
    _, message = await mailed(flowline)
    [pixel] = PIXEL.findall(body_of(message, "html"))
    assert "/o/" not in body_of(message, "plain")
    await after_the_machine_window(flowline)

    first = await visitor.get(pixel)
    second = await visitor.get(pixel)
    apple = await visitor.get(pixel, headers={"User-Agent": "Mozilla/5.0"})
    forged = await visitor.get(f"{PUBLIC}/o/forged.token")

    for answer in (first, second, apple, forged):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/gif"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.content.startswith(b"GIF89a")
    rows = await eventually(
        lambda: (lambda r: r if len(r) == 2 else None)(engagements(flowline, "open")),
        30,
        "a person's open and a machine's",
    )
    assert [row.machine for row in rows] == [False, True]
    await flowline.settled()
    [event] = events_named(flowline, "email_opened")
    assert event.properties["machine"] is False and "url" not in event.properties


async def test_a_fetch_within_two_seconds_of_the_send_or_by_a_scanner_is_a_machine(
    flowline: Flowline, visitor: httpx.AsyncClient
) -> None:
    _, message = await mailed(flowline)
    [link] = TRACKED.findall(body_of(message, "html"))
    sent = await eventually(lambda: _sent(flowline), 30, "the delivery on record", interval=0.01)

    assert (await visitor.get(link)).status_code == 302  # as soon as it is on record
    [soon] = await eventually(lambda: engagements(flowline, "click"), 30, "the click recorded")
    # The rule itself: whatever this loaded machine took, the row is a machine's if in time.
    assert soon.machine == (soon.at - sent.created_at < timedelta(seconds=MACHINE_SECONDS))
    await after_the_machine_window(flowline)
    scanner = {"User-Agent": "Mozilla/5.0 (compatible; BingPreview/1.0b)"}
    assert (await visitor.get(link, headers=scanner)).status_code == 302
    assert (await visitor.get(link)).status_code == 302  # then the person

    rows = await eventually(
        lambda: (lambda r: r if len(r) == 2 else None)(engagements(flowline, "click")),
        30,
        "a machine's click and a person's",
    )
    assert sorted(row.machine for row in rows) == [False, True]
    await flowline.settled()
    # The first click and, since it was a machine's, the person's first too.
    assert [e.properties["machine"] for e in events_named(flowline, "email_clicked")] == [
        True,
        False,
    ]


async def test_an_open_ends_a_wait_for_the_email_opened_event(
    flowline: Flowline, visitor: httpx.AsyncClient
) -> None:
    campaign = await flowline.campaign(html=HTML, text=None)
    waiting = {"type": "wait_for_event", "event": "email_opened", "timeout": "P1D"}
    after = flowline.http_target.url("/after-open")
    await flowline.workflow(
        consent_property="email_optin",
        steps=[email_step(campaign["id"]), waiting, http_step(after)],
    )
    await flowline.profile("p-ann", email="ann@example.test", first_name="Ann", email_optin=True)
    await flowline.event("p-ann", "registered")
    [message] = await flowline.mailbox.wait_for(1)
    [pixel] = PIXEL.findall(body_of(message, "html"))
    await after_the_machine_window(flowline)

    assert (await visitor.get(pixel)).status_code == 200

    await flowline.http_target.wait_for("/after-open", 1)


async def test_a_campaign_without_tracking_sends_its_links_as_they_are(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign(html=HTML, text=None, track_opens=False, track_clicks=False)
    await flowline.workflow(consent_property="email_optin", steps=[email_step(campaign["id"])])
    await flowline.profile("p-bob", email="bob@example.test", first_name="Bob", email_optin=True)
    await flowline.event("p-bob", "registered")

    [message] = await flowline.mailbox.wait_for(1)

    html = body_of(message, "html")
    assert 'href="https://shop.example.test/offer?n=Bob&amp;c=1"' in html
    assert "/c/" not in html and "/o/" not in html
    with Session(flowline.engine) as session:
        assert session.exec(select(EmailLink)).all() == []
