"""`/docs` works without internet access: every file it loads comes from the app."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect
from sqlalchemy import Engine

from flowline.app import create_app
from flowline.core.settings import Settings
from tests.support.live_server import serving


@pytest.fixture
async def docs_url(ui_engine: Engine, tmp_path: Path) -> AsyncIterator[str]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=ui_engine.url.render_as_string(hide_password=False),
        temporal_address="127.0.0.1:9",  # the pages never reach Temporal
        secret_key="docs-test-secret",
    )
    async with serving(create_app(settings, engine=ui_engine)) as url:
        yield url


async def opened(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = await browser.new_page()
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    await page.goto(url)
    return page, requested


async def test_swagger_ui_renders_every_operation_from_the_apps_own_files(
    browser: Browser, docs_url: str
) -> None:
    page, requested = await opened(browser, docs_url + "/docs")

    await expect(page.get_by_role("heading", name="Flowline")).to_be_visible()
    operations = page.locator(".opblock")
    await expect(operations.first).to_be_visible()
    document = await (await page.request.get(docs_url + "/openapi.json")).json()
    count = sum(
        1 for item in document["paths"].values() for method in item if method != "parameters"
    )
    await expect(operations).to_have_count(count)
    await expect(page.get_by_text("/v1/workflows/{workflow_id}").first).to_be_visible()
    await page.get_by_text("/v1/events", exact=True).first.click()  # one opens, with its schema
    await expect(page.locator(".opblock.is-open")).to_have_count(1)
    await expect(page.get_by_text("Unable to render")).to_have_count(0)

    assert f"{docs_url}/docs/assets/swagger-ui-bundle.js" in requested
    assert f"{docs_url}/openapi.json" in requested
    elsewhere = [url for url in requested if not url.startswith(docs_url + "/")]
    assert elsewhere == [], f"the page asked other hosts: {elsewhere}"
    await page.close()


async def test_the_docs_files_are_the_apps_and_there_is_no_page_loading_a_cdn(
    docs_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=docs_url) as client:
        page = await client.get("/docs")
        assert page.status_code == 200
        assert "cdn." not in page.text and "https://" not in page.text
        script = await client.get("/docs/assets/swagger-ui-bundle.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith(
            ("text/javascript", "application/javascript")
        )
        # ReDoc would load its logo from its CDN: not served.
        assert (await client.get("/redoc")).status_code == 404
