"""Send test on the campaign page, with a real SMTP server receiving it: marked as a test,
recorded nowhere, and every failure said in words on the page."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from flowline.core.models.enrollments import Delivery, Enrollment
from testkit.ports import free_port
from testkit.smtp import SmtpCapture
from tests.web.client import ADMIN_KEY, csrf_of, signed_in
from tests.web.test_housekeeping import _api, _app_client, _campaign

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
async def client(
    engine: Engine, tmp_path: Path, mailbox: SmtpCapture
) -> AsyncIterator[httpx.AsyncClient]:
    async with _app_client(engine, tmp_path, mailbox.port) as web:
        await signed_in(web)
        yield web


async def _send_test(
    client: httpx.AsyncClient, campaign_id: int, address: str, profile: str = ""
) -> httpx.Response:
    page = await client.get(f"/campaigns/{campaign_id}")
    assert "Send test" in page.text and 'name="test_address"' in page.text
    form = {"csrf_token": csrf_of(page), "test_address": address, "test_profile": profile}
    return await client.post(f"/campaigns/{campaign_id}/test", data=form)


async def test_send_test_mails_the_profile_s_version_and_records_nothing(
    client: httpx.AsyncClient, mailbox: SmtpCapture, engine: Engine
) -> None:
    await client.put(
        "/v1/profiles/ada", json={"properties": {"first_name": "Ada"}}, headers=API_KEY
    )
    campaign = await _campaign(client)

    sent = await _send_test(client, campaign["id"], "qa@example.com", "ada")

    assert sent.status_code == 200, sent.text
    assert "Test sent to qa@example.com: “Hi Ada”." in sent.text
    [message] = await mailbox.wait_for(1)
    assert (message["Subject"], message["X-Flowline-Test"]) == ("[Test] Hi Ada", "yes")
    assert mailbox.recipients == [["qa@example.com"]]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Delivery)).one() == 0
        assert session.exec(select(func.count()).select_from(Enrollment)).one() == 0


async def test_send_test_shows_a_bad_address_and_an_unknown_profile_at_their_fields(
    client: httpx.AsyncClient, mailbox: SmtpCapture
) -> None:
    campaign = await _campaign(client)

    bad_address = await _send_test(client, campaign["id"], "not an address")
    no_profile = await _send_test(client, campaign["id"], "qa@example.com", "nobody")

    assert bad_address.status_code == 422
    assert "Enter one e-mail address, such as anna@example.com." in bad_address.text
    assert 'value="not an address"' in bad_address.text  # what was typed stays
    assert no_profile.status_code == 422
    assert "There is no profile &#39;nobody&#39;" in no_profile.text
    assert mailbox.received == []


async def test_send_test_says_so_when_the_mail_server_cannot_be_reached(
    engine: Engine, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens here
    async with _app_client(engine, tmp_path, port) as web:
        await signed_in(web)
        campaign = await _campaign(web)

        failed = await _send_test(web, campaign["id"], "qa@example.com")

    assert failed.status_code == 503
    assert f"Cannot reach the mail server at 127.0.0.1:{port}" in failed.text
    assert 'role="alert"' in failed.text


async def test_send_test_shows_a_template_that_cannot_be_rendered_and_sends_nothing(
    client: httpx.AsyncClient, mailbox: SmtpCapture
) -> None:
    body = {"name": "Broken", "subject": "Hi", "html": "<p>{{ 1 / 0 }}</p>", "status": "active"}
    campaign = await _api(client, "/v1/campaigns", body)

    failed = await _send_test(client, campaign["id"], "qa@example.com")

    assert failed.status_code == 422
    assert "html: This template cannot be rendered for this profile: division by zero." in (
        failed.text
    )
    assert mailbox.received == []
