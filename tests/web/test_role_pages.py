"""Pages show each role only what it may do: a viewer reads every page with no change button,
an editor changes workflows, campaigns and segments but not settings, users or erasure."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.web.client import ADMIN_KEY, web_client
from tests.web.user_accounts import make_user, sign_in_as

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}
CHANGE_BUTTONS = ("Save", "Delete", "Duplicate", "Revoke", "Invite", "Erase profile", "Remove")
CAMPAIGN = {"name": "Hello", "subject": "Hi", "html": "<p>Hi</p>", "status": "active"}


@pytest.fixture
async def web(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as client:
        yield client


def _buttons(html: str) -> set[str]:
    """The visible words of the page's buttons and button-like links."""
    html = re.sub(r'<span class="vh">.*?</span>', "", html)
    found = re.findall(r"<button[^>]*>(.*?)</button>|class=\"button[^\"]*\"[^>]*>(.*?)</a>", html)
    return {re.sub(r"<[^>]+>", "", a or b).strip() for a, b in found}


async def _pages(web: httpx.AsyncClient) -> dict[str, str]:
    campaign = (await web.post("/v1/campaigns", json=CAMPAIGN, headers=API_KEY)).json()
    rule = {"property": "city", "op": "eq", "value": "Leiden"}
    segment = (
        await web.post("/v1/segments", json={"name": "Leiden", "rule": rule}, headers=API_KEY)
    ).json()
    await web.put("/v1/profiles/ada", json={"properties": {"city": "Leiden"}}, headers=API_KEY)
    await web.post("/v1/suppressions", json={"address": "x@example.com"}, headers=API_KEY)
    paths = [
        "/campaigns",
        f"/campaigns/{campaign['id']}",
        "/segments",
        f"/segments/{segment['id']}",
        "/profiles?id=ada",
        "/settings",
        "/settings/suppressions",
        "/settings/users",
    ]
    pages = {}
    for path in paths:
        page = await web.get(path)
        assert page.status_code == 200, (path, page.text)
        pages[path] = page.text
    return pages


async def test_a_viewer_reads_every_page_and_finds_no_change_button(
    web: httpx.AsyncClient, engine: Engine
) -> None:
    make_user(engine, "vi@example.com", "viewer")
    await sign_in_as(web, "vi@example.com")

    pages = await _pages(web)

    for path, html in pages.items():
        assert _buttons(html) & {*CHANGE_BUTTONS, "Add", "Send test"} == set(), path
    assert "vi@example.com" in pages["/settings/users"]


async def test_an_editor_changes_content_but_not_settings_users_or_erasure(
    web: httpx.AsyncClient, engine: Engine
) -> None:
    make_user(engine, "ed@example.com", "editor")
    await sign_in_as(web, "ed@example.com")

    pages = await _pages(web)

    assert {"Save", "Delete", "Send test"} <= _buttons(
        next(v for k, v in pages.items() if k.startswith("/campaigns/"))
    )
    assert "Add" in _buttons(pages["/segments"])
    for path in ("/settings", "/settings/suppressions", "/settings/users", "/profiles?id=ada"):
        assert (
            _buttons(pages[path])
            & {"Save frequency cap", "Revoke", "Invite", "Erase profile", "Remove", "Create key"}
            == set()
        ), path


async def test_an_admin_finds_every_change_button(web: httpx.AsyncClient, engine: Engine) -> None:
    make_user(engine, "boss@example.com", "admin")
    await sign_in_as(web, "boss@example.com")

    pages = await _pages(web)

    assert "Erase profile" in _buttons(pages["/profiles?id=ada"])
    assert {"Save frequency cap", "Create key"} <= _buttons(pages["/settings"])
    assert {"Invite", "Disable", "Remove"} <= _buttons(pages["/settings/users"])
    assert {"Add", "Remove"} <= _buttons(pages["/settings/suppressions"])
