"""The campaign page's figures block and the Send email steps' figures in the workflow page's
funnel, read from the database on SQLite and PostgreSQL."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.core.services.test_email_figures import engage, send, setup_workflow
from tests.web.client import signed_in, web_client


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        yield web


def figure(page: str, label: str) -> str:
    """The value shown under a figure's label (`<dt>label</dt><dd>value</dd>`)."""
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page)
    assert found, f"no figure {label!r} on the page"
    return found.group(1)


async def test_the_campaign_page_and_the_funnel_show_what_became_of_the_emails(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow_id, first, second = setup_workflow(engine)
    a, b = send(engine, workflow_id, 1, "0", first), send(engine, workflow_id, 1, "0", first)
    engage(engine, a, "open")
    engage(engine, a, "click")
    engage(engine, b, "open", machine=True)
    engage(engine, b, "complaint")

    page = (await client.get(f"/campaigns/{first}")).text
    unsent = (await client.get(f"/campaigns/{second}")).text
    detail = (await client.get(f"/workflows/{workflow_id}")).text

    assert '<h2 id="campaign-figures-title">Figures</h2>' in page
    shown = {label: figure(page, label) for label in ("Sent", "Opened", "Clicked", "Complained")}
    assert shown == {"Sent": "2", "Opened": "1", "Clicked": "1", "Complained": "1"}
    assert (figure(page, "Open rate"), figure(page, "Click-to-open")) == ("50.0%", "100.0%")
    assert figure(unsent, "Open rate") == "–"  # nothing sent: no rate, not 0 %
    assert (
        "2 sent · 1 opened (50.0%) · 1 clicked (50.0%) · click-to-open 100.0% · "
        "0 unsubscribed · 0 bounced · 1 complained" in detail
    )
    assert "0 sent · 0 opened (–)" in detail  # the second Send email step


async def test_a_campaign_form_sent_back_with_errors_still_renders(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    _, first, _ = setup_workflow(engine)
    page = await client.get(f"/campaigns/{first}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    refused = await client.post(
        f"/campaigns/{first}",
        data={"csrf_token": token.group(1), "name": "", "subject": "Hi", "html": "<p>x</p>"},
    )
    assert refused.status_code == 422
    assert 'action="/campaigns/' in refused.text  # the form again, with what was typed
