"""The campaign form's `Track opens` and `Track clicks` checkboxes: on for a new campaign,
saved as ticked, shown again on the campaign's page."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.web.client import ADMIN_KEY, csrf_of, signed_in, web_client

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        yield web


def checkbox(page: str, label: str) -> str:
    """The `<input>` the label names (by its `for`)."""
    found = re.search(r'<label for="([^"]+)">' + re.escape(label) + "</label>", page)
    assert found, f"no label {label!r}"
    [box] = re.findall(r'<input id="' + found.group(1) + r'"[^>]*>', page)
    assert 'type="checkbox"' in box
    return box


async def test_a_new_campaign_tracks_opens_and_clicks_unless_unticked(
    client: httpx.AsyncClient,
) -> None:
    form = await client.get("/campaigns/new")
    assert " checked" in checkbox(form.text, "Track opens")
    assert " checked" in checkbox(form.text, "Track clicks")

    saved = await client.post(
        "/campaigns/new",
        data={
            "csrf_token": csrf_of(form),
            "name": "Spring sale",
            "subject": "Spring",
            "html": '<a href="https://shop.test/">Shop</a>',
            "status": "active",
            "track_opens": "on",  # Track clicks left unticked: not sent at all
        },
        follow_redirects=False,
    )

    assert saved.status_code == 303, saved.text
    campaign = await client.get(f"/v1{saved.headers['location']}".split("?")[0], headers=API_KEY)
    assert (campaign.json()["track_opens"], campaign.json()["track_clicks"]) == (True, False)
    page = await client.get(saved.headers["location"])
    assert " checked" in checkbox(page.text, "Track opens")
    assert " checked" not in checkbox(page.text, "Track clicks")


async def test_a_form_sent_back_with_an_error_keeps_the_ticks(client: httpx.AsyncClient) -> None:
    form = await client.get("/campaigns/new")

    page = await client.post(
        "/campaigns/new",
        data={
            "csrf_token": csrf_of(form),
            "name": "",
            "subject": "x",
            "html": "<p>x</p>",
            "track_clicks": "on",
        },
    )

    assert page.status_code == 422
    assert " checked" not in checkbox(page.text, "Track opens")
    assert " checked" in checkbox(page.text, "Track clicks")
