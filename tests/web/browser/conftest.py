"""The real app under uvicorn on 127.0.0.1, driven by Debian's Chromium through Playwright.

One browser for the whole session; each test gets a fresh SQLite database, its own worker,
dispatcher and task queue (see `running_flowline`), the SMTP capture of `flowline dev` writing
.eml files the Outbox page shows, and the loopback HTTP target.
"""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from flowline.app import create_app
from flowline.core.database import make_engine, migrate
from flowline.devserver.smtp_capture import start_capture
from testkit.http_target import HttpTarget
from testkit.ports import free_port
from testkit.smtp import SmtpCapture
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, WIDTHS, LiveFlowline
from tests.support.flowline_harness import running_flowline
from tests.support.live_server import serving

# Playwright's auto-waiting assertions poll up to this long (a loaded 2-core machine is slow).
expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "browser tests need Debian's chromium at /usr/bin/chromium: "
            "`make test` installs it (apt-get install -y chromium)"
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        yield launched
        await launched.close()


@pytest.fixture
def ui_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'flowline.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
async def live(
    ui_engine: Engine,
    dev_server: WorkflowEnvironment,
    http_target: HttpTarget,
    tmp_path: Path,
) -> AsyncIterator[LiveFlowline]:
    smtp_port = free_port()
    mail_dir = tmp_path / "outbox"
    capture = start_capture(mail_dir, smtp_port)
    address = dev_server.client.service_client.config.target_host
    try:
        async with (
            running_flowline(
                engine=ui_engine,
                temporal_address=address,
                mailbox=SmtpCapture(),  # unused: mail goes to the capture below
                http_target=http_target,
                data_dir=tmp_path,
                task_queue=f"ui-{uuid.uuid4().hex[:12]}",
                smtp_port=smtp_port,
            ) as flowline
        ):
            app = create_app(flowline.settings, engine=ui_engine, temporal_client=flowline.temporal)
            async with serving(app) as url:
                yield LiveFlowline(url, flowline, mail_dir)
    finally:
        capture.stop()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    await context.close()
    assert not errors, f"the page's script failed: {errors}"
