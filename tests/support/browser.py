"""What the browser tests share: Chromium's flags, the running product, sign-in, screenshots."""

import os
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Page, expect

from tests.support.flowline_harness import ADMIN_KEY, Flowline

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach outside hosts.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (1280, 390)
SCREENSHOTS = Path(os.environ.get("FLOWLINE_SCREENSHOT_DIR", "test-screenshots"))


@dataclass
class LiveFlowline:
    """The product running for a browser: `url` for the pages, `flowline.api` for what other
    services do through the API."""

    url: str
    flowline: Flowline
    outbox_dir: Path


async def sign_in(page: Page, live: LiveFlowline) -> None:
    """With the admin API key; once users exist its form is folded under the email form."""
    await page.goto(live.url + "/")
    folded = page.locator("details.key-sign-in:not([open]) > summary")
    if await folded.count():
        await folded.click()
    key_form = page.locator("form").filter(has=page.get_by_label("API key"))
    await key_form.get_by_label("API key").fill(ADMIN_KEY)
    await key_form.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()


async def screenshots(page: Page, name: str) -> None:
    """This page at both widths, into the git-ignored screenshot folder; fails when the narrow
    layout needs sideways scrolling."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
    await page.set_viewport_size({"width": WIDTHS[0], "height": 900})
