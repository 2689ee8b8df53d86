"""`POST /v1/campaigns/{id}/preview`: the campaign as a profile would get it, rendered with the
worker's metered sandbox; a template too expensive (or failing) is a quick 422 on its field."""

import time
from typing import Any

import httpx
import pytest

THREE_BILLION_LOOPS = (
    "{% for a in range(100000) %}{% for b in range(30000) %}{% endfor %}{% endfor %}"
)
QUICKLY = 5.0
NESTED_LOOPS = "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}"


async def _campaign(api: httpx.AsyncClient, **fields: Any) -> int:
    body = {"name": "Preview", "subject": "Hi {{ first_name }}", "html": "<p>x</p>", **fields}
    response = await api.post("/v1/campaigns", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _preview(api: httpx.AsyncClient, campaign_id: int, profile_id: str) -> httpx.Response:
    return await api.post(f"/v1/campaigns/{campaign_id}/preview", json={"profile_id": profile_id})


@pytest.fixture
async def ada(api: httpx.AsyncClient) -> str:
    response = await api.put("/v1/profiles/ada", json={"properties": {"first_name": "<Ada>"}})
    assert response.status_code == 200, response.text
    return "ada"


async def test_preview_renders_each_part_for_the_profile(api: httpx.AsyncClient, ada: str) -> None:
    campaign = await _campaign(api, html="<p>{{ first_name }}</p>", text="Hello {{ first_name }}")

    response = await _preview(api, campaign, ada)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "subject": "Hi <Ada>",
        "html": "<p>&lt;Ada&gt;</p>",
        "text": "Hello <Ada>",
    }


@pytest.mark.parametrize(
    ("field", "source", "reason"),
    [
        ("html", THREE_BILLION_LOOPS, "range() of more than 1,000 numbers"),
        ("html", NESTED_LOOPS, "its loops run more than 100,000 times"),
        ("text", "{{ 'x' * 10**9 }}", "it builds a value of more than 1,000,000 characters"),
        ("subject", "{{ 'x'.center(10**9) }}", "it builds a value of more than 1,000,000"),
    ],
)
async def test_a_template_too_expensive_to_render_is_a_quick_422_on_its_field(
    api: httpx.AsyncClient, ada: str, field: str, source: str, reason: str
) -> None:
    campaign = await _campaign(api, **{field: source})

    started = time.perf_counter()
    response = await _preview(api, campaign, ada)

    # Generous for a loaded machine: the render stops within 0.25 s of CPU time.
    assert time.perf_counter() - started < QUICKLY
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == [field]
    assert error["msg"].startswith(f"This template is too expensive to render: {reason}")


async def test_a_template_that_fails_to_render_is_a_422_not_a_500(
    api: httpx.AsyncClient, ada: str
) -> None:
    campaign = await _campaign(api, html="<p>{{ 1 / 0 }}</p>")

    response = await _preview(api, campaign, ada)

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == ["html"]
    assert error["msg"] == "This template cannot be rendered for this profile: division by zero."


async def test_preview_for_a_missing_campaign_is_404_and_for_a_missing_profile_422(
    api: httpx.AsyncClient, ada: str
) -> None:
    campaign = await _campaign(api)
    missing_profile = await _preview(api, campaign, "nobody")
    assert missing_profile.status_code == 422  # the campaign exists; the body names nobody
    [error] = missing_profile.json()["errors"]
    assert error["loc"] == ["profile_id"]
    assert error["msg"] == "profile 'nobody' does not exist"
    assert (await _preview(api, campaign + 1, ada)).status_code == 404
