"""Settings → Suppressions: search by the whole address, add, remove; messages in words."""

import html
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.web.client import ADMIN_KEY, csrf_of, signed_in, web_client
from tests.web.page_parts import page_parts

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}
PAGE = "/settings/suppressions"


@pytest.fixture
async def ui(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as client:
        await signed_in(client)
        yield client


async def add(ui: httpx.AsyncClient, address: str, detail: str = "") -> httpx.Response:
    page = await ui.get(PAGE)
    return await ui.post(
        PAGE,
        data={"csrf_token": csrf_of(page), "new_address": address, "detail": detail},
        follow_redirects=False,
    )


async def test_settings_links_to_the_page_and_it_lists_masked_addresses(
    ui: httpx.AsyncClient,
) -> None:
    settings = await ui.get("/settings")
    assert PAGE in page_parts(settings.text).links_named("Suppressions")
    empty = await ui.get(PAGE)
    assert empty.status_code == 200 and "No suppressed addresses" in empty.text

    added = await add(ui, "Annie.Q@Example.com", "asked by phone")
    assert (added.status_code, added.headers["location"]) == (303, f"{PAGE}?done=added")
    await ui.post(
        "/v1/suppressions",
        json={"address": "bo@example.org", "reason": "complaint"},
        headers=API_KEY,
    )
    page = await ui.get(f"{PAGE}?done=added")

    assert "Address suppressed." in page.text
    text = html.unescape(page.text)
    assert "a***@example.com" in text and "b***@example.org" in text
    assert "Added by hand" in text and "Complaint" in text and "asked by phone" in text
    assert "annie.q@example.com" not in text.lower()
    assert "Search suppressions</label>" in page.text


async def test_search_finds_the_whole_address_and_explains_a_partial_one(
    ui: httpx.AsyncClient,
) -> None:
    await add(ui, "ann@example.com")
    await add(ui, "bob@example.com")

    found = await ui.get(PAGE, params={"address": "ANN@example.com"})
    missing = await ui.get(PAGE, params={"address": "zed@example.com"})
    partial = await ui.get(PAGE, params={"address": "ann"})

    assert "a***@example.com" in found.text and "b***@example.com" not in found.text
    assert "1–1 of 1 address" in found.text
    assert "is not on the suppression list" in missing.text
    assert partial.status_code == 422
    assert "Enter one email address" in partial.text and "whole address" in partial.text


async def test_add_refuses_a_bad_address_in_words_and_remove_takes_it_off(
    ui: httpx.AsyncClient,
) -> None:
    refused = await add(ui, "not an address")
    assert refused.status_code == 422
    assert "Not added:" in refused.text and "Enter one email address" in refused.text
    assert 'value="not an address"' in refused.text  # what was typed stays

    await add(ui, "ann@example.com")
    page = await ui.get(PAGE)
    [form] = [f for f in page_parts(page.text).forms if f.action.endswith("/remove")]
    action = form.action
    assert form.confirm is not None
    assert form.confirm.startswith("Remove a***@example.com from the suppression list?")
    removed = await ui.post(action, data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert removed.headers["location"] == f"{PAGE}?done=removed"
    after = await ui.get(f"{PAGE}?done=removed")
    assert "Address removed from the list." in after.text and "a***@example.com" not in after.text
    again = await ui.post(action, data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert again.status_code == 404
