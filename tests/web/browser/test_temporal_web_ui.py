"""`flowline dev` with encrypted payloads: the Temporal Web UI decodes them for a person signed in
to Flowline in the same browser, and for nobody else."""

import base64
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, Response, expect

from testkit.eventually import eventually
from testkit.ports import free_port
from tests.test_cli_dev import FLOWLINE, STOP_TIMEOUT, child_processes, dev_env, wait_healthy

ADMIN_KEY = "temporal-ui-admin-key"
PROFILE = "ada-lovelace-1815"


class DevProduct:
    def __init__(self, api: str, temporal_ui: str) -> None:
        self.api, self.temporal_ui = api, temporal_ui


@pytest.fixture
def dev_product(tmp_path: Path) -> Iterator[DevProduct]:
    api_port = free_port()
    ui_port = free_port()
    env = dev_env(tmp_path, api_port, free_port()) | {
        # As by default: the Web UI named `localhost`, Flowline `127.0.0.1`.
        "FLOWLINE_TEMPORAL_UI_URL": f"http://localhost:{ui_port}",
        "FLOWLINE_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "FLOWLINE_PAYLOAD_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
    }
    log = tmp_path / "flowline-dev.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(FLOWLINE), "dev"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    temporal_pids: list[int] = []
    try:
        api = f"http://127.0.0.1:{api_port}"
        wait_healthy(process, f"{api}/health", log)
        temporal_pids = [
            pid for pid, name in child_processes(process.pid).items() if name == "temporal"
        ]
        yield DevProduct(api, f"http://127.0.0.1:{ui_port}")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=STOP_TIMEOUT) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in temporal_pids:
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)


def enroll_waiting_profile(api: str) -> str:
    """An enrollment waiting on a timer; its Temporal Web UI address."""
    with httpx.Client(
        base_url=api, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10
    ) as client:
        assert client.put(f"/v1/profiles/{PROFILE}", json={"properties": {}}).status_code == 200
        workflow = client.post(
            "/v1/workflows",
            json={
                "name": "Ticket nudges",
                "trigger": {"type": "event", "event": "registered"},
                "consent_property": None,
                "steps": [{"type": "wait", "duration": "P1D"}],
            },
        )
        assert workflow.status_code == 201, workflow.text
        enrolled = client.post(
            f"/v1/workflows/{workflow.json()['id']}/enrollments", json={"profile_id": PROFILE}
        )
        assert enrolled.status_code == 201, enrolled.text
        return str(enrolled.json()["temporal_ui_url"])


async def open_history(
    browser: Browser, url: str, signed_in_at: str | None
) -> tuple[Page, list[int]]:
    """A fresh browser (signed in to Flowline first when `signed_in_at`) on the history page;
    the statuses of the Web UI's decode calls."""
    context = await browser.new_context()
    page = await context.new_page()
    statuses: list[int] = []

    def record(response: Response) -> None:
        if "/codec/decode" in response.url:
            statuses.append(response.status)

    page.on("response", record)
    if signed_in_at is not None:
        await page.goto(signed_in_at + "/")
        await page.get_by_label("API key").fill(ADMIN_KEY)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
    await page.goto(url)
    await expect(page.get_by_role("heading", name="Input", exact=True)).to_be_visible()
    return page, statuses


async def test_the_temporal_web_ui_decodes_payloads_for_a_signed_in_person_only(
    browser: Browser, dev_product: DevProduct
) -> None:
    url = enroll_waiting_profile(dev_product.api)
    # Flowline links to the Web UI under its own host name, where the browser holds the session.
    assert url.startswith(dev_product.temporal_ui + "/")
    # The profile id is also in the execution's id: the decoded input shows it as a JSON field.
    decoded = f'"profile_id": "{PROFILE}"'

    # Opened as `localhost` (typed, or an old link): redirected to the session's host name.
    as_localhost = url.replace("http://127.0.0.1:", "http://localhost:")
    page, statuses = await open_history(browser, as_localhost, signed_in_at=dev_product.api)
    assert page.url.startswith(dev_product.temporal_ui + "/")
    await expect(page.get_by_text(decoded).first).to_be_visible()
    await expect(page.get_by_text('"steps": [').first).to_be_visible()
    assert statuses and set(statuses) == {200}, statuses
    await page.context.close()

    stranger, statuses = await open_history(browser, url, signed_in_at=None)
    await eventually(lambda: statuses, 30, "the Web UI's decode call")
    assert set(statuses) == {401}, statuses
    await expect(stranger.get_by_text('"steps": [')).to_have_count(0)
    assert decoded not in await stranger.inner_text("body")
    await stranger.context.close()
