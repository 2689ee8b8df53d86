"""The campaign preview page renders with the worker's metered sandbox: a template too
expensive to render answers 422 in words, quickly, on the page and on the framed HTML."""

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.web.client import ADMIN_KEY, signed_in, web_client

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}
THREE_BILLION_LOOPS = (
    "{% for a in range(100000) %}{% for b in range(30000) %}{% endfor %}{% endfor %}"
)


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        profile = await web.put(
            "/v1/profiles/ada", json={"properties": {"first_name": "Ada"}}, headers=API_KEY
        )
        assert profile.status_code == 200, profile.text
        yield web


async def _campaign(client: httpx.AsyncClient, html: str) -> int:
    body = {"name": "Preview", "subject": "Hi {{ first_name }}", "html": html}
    response = await client.post("/v1/campaigns", json=body, headers=API_KEY)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_preview_shows_the_subject_and_frames_the_html(client: httpx.AsyncClient) -> None:
    campaign = await _campaign(client, "<p>Hello {{ first_name }}</p>")

    page = await client.get(f"/campaigns/{campaign}/preview?profile_id=ada")
    frame = await client.get(f"/campaigns/{campaign}/preview.html?profile_id=ada")

    assert page.status_code == 200 and "Hi Ada" in page.text
    assert frame.status_code == 200 and frame.text == "<p>Hello Ada</p>"


async def test_a_template_too_expensive_is_a_quick_422_in_words(client: httpx.AsyncClient) -> None:
    campaign = await _campaign(client, THREE_BILLION_LOOPS)

    started = time.perf_counter()
    page = await client.get(f"/campaigns/{campaign}/preview?profile_id=ada")
    frame = await client.get(f"/campaigns/{campaign}/preview.html?profile_id=ada")

    assert time.perf_counter() - started < 5.0  # generous: each stops at its first range()
    assert page.status_code == 422
    assert "This template is too expensive to render: range() of more than 1,000" in page.text
    assert "<iframe" not in page.text
    assert frame.status_code == 422


async def test_a_template_that_fails_to_render_is_a_422_not_a_500(
    client: httpx.AsyncClient,
) -> None:
    campaign = await _campaign(client, "<p>{{ 1 / 0 }}</p>")

    page = await client.get(f"/campaigns/{campaign}/preview?profile_id=ada")

    assert page.status_code == 422
    assert "This template cannot be rendered for this profile: division by zero." in page.text
