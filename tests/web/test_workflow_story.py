"""The workflow page tells the story: the header in words, each step described (nested ones under
their arm), where an active enrollment waits and until when, conversion over time from the
workflow's creation, and a 0 % conversion not coloured as success."""

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import select

from flowline.core.database import session_scope
from flowline.core.models.campaigns import CampaignCreate
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.models.workflows import Workflow
from flowline.core.services.campaigns.crud import create_campaign
from flowline.core.services.workflows.crud import create_workflow
from flowline.core.timestamps import utcnow
from tests.web.client import signed_in, web_client


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        yield web


def _text(page: httpx.Response) -> str:
    """The page's words without markup, spaces collapsed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.text)))


def _workflow(engine: Engine, steps: list[dict[str, Any]] | None = None, **fields: Any) -> int:
    with session_scope(engine) as session:
        campaign = create_campaign(
            session,
            CampaignCreate(
                name="Ticket reminder",
                subject="Your seat is waiting",
                html="<p>Hi</p>",
                status="active",
            ),
        )
        body = {
            "name": "Ticket nudges",
            "trigger": {
                "type": "event",
                "event": "ticket",
                "filter": {"property": "event_name", "value": "ticket"},
            },
            "steps": steps
            if steps is not None
            else [
                {"type": "send_email", "campaign_id": campaign.id, "email_property": "email"},
                {"type": "wait", "duration": "P2D"},
                {"type": "http_call", "method": "GET", "url": "https://crm.example/hook"},
                {"type": "wait_for_event", "event": "purchase", "timeout": "PT6H"},
                {
                    "type": "branch",
                    "condition": {"property": "plan", "op": "eq", "value": "pro"},
                    "then": [{"type": "update_profile", "properties": {"vip": True}}],
                    "else": [{"type": "wait", "duration": "PT30M"}],
                },
            ],
            **fields,
        }
        workflow = create_workflow(session, WorkflowCreate.model_validate(body))
        assert workflow.id is not None
        return workflow.id


async def test_the_header_tells_trigger_consent_and_goal_in_words(
    client: httpx.AsyncClient, engine: Engine
):
    with_goal = _workflow(
        engine,
        consent_property="email_optin",
        goal={"event": "purchase"},
        exit_on_goal=True,
    )
    text = _text(await client.get(f"/workflows/{with_goal}"))
    assert (
        "When event 'ticket' is added where event_name = ticket · Consent: email_optin · "
        "Goal: event 'purchase', then stop"
    ) in text
    without = _text(await client.get(f"/workflows/{_workflow(engine)}"))
    assert "Consent: not asked · No goal" in without


async def test_each_step_is_described_and_nested_steps_sit_under_their_arm(
    client: httpx.AsyncClient, engine: Engine
):
    page = await client.get(f"/workflows/{_workflow(engine)}")
    text = _text(page)
    for words in (
        "Step 1 · Send email: Send campaign 'Ticket reminder' (subject 'Your seat is waiting') "
        "to the address in 'email'",
        "Step 2 · Wait: Wait 2 days",
        "Step 3 · HTTP call: GET https://crm.example/hook",
        "Step 4 · Wait for event: Wait up to 6 hours for event 'purchase'",
        "Step 5 · Branch: If plan = 'pro'",
        "Step 5.then.1 · Update profile: Set vip to true",
        "Step 5.else.1 · Wait: Wait 30 minutes",
    ):
        assert words in text, words
    branch, then, else_ = (text.index(f"Step 5{s} ") for s in ("", ".then.1", ".else.1"))
    assert branch < then < else_
    assert page.text.count('<li class="depth-1">') == 2


async def test_a_waiting_enrollment_shows_its_step_and_until_when(
    client: httpx.AsyncClient, engine: Engine
):
    workflow_id = _workflow(engine)
    sent_at = utcnow() - timedelta(hours=1)
    with session_scope(engine) as session:
        waiting = Enrollment(
            workflow_id=workflow_id,
            version=1,
            profile_id="lea",
            temporal_workflow_id=f"enroll:{workflow_id}:lea",
            temporal_run_id="run-lea",
            status="active",
            steps_completed=1,
        )
        sending = Enrollment(
            workflow_id=workflow_id,
            version=1,
            profile_id="noor",
            temporal_workflow_id=f"enroll:{workflow_id}:noor",
            temporal_run_id="run-noor",
            status="active",
            steps_completed=0,
        )
        session.add_all([waiting, sending])
        session.flush()
        assert waiting.id is not None
        session.add(
            Delivery(
                enrollment_id=waiting.id,
                workflow_id=workflow_id,
                version=1,
                step_path="0",
                step_index=0,
                type="email",
                status="sent",
                created_at=sent_at,
                updated_at=sent_at,
            )
        )
    text = _text(await client.get(f"/workflows/{workflow_id}"))
    until = (sent_at + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    assert f"Step 2 · Wait 2 days · until {until} UTC" in text
    assert "Step 1 · Send campaign 'Ticket reminder'" in text.split("noor", 1)[1]


async def test_conversion_over_time_starts_at_creation_and_zero_is_not_success(
    client: httpx.AsyncClient, engine: Engine
):
    new = _workflow(engine)
    page = await client.get(f"/workflows/{new}")
    days = re.findall(r"<tr><td>(\w{3} \d{2} \w{3})</td>", page.text)
    assert days == [utcnow().strftime("%a %d %b")]
    assert re.search(r'class="rate zero"><dt>Conversion rate</dt><dd[^>]*>0\.0%<', page.text)

    older = _workflow(engine)
    with session_scope(engine) as session:
        workflow = session.exec(select(Workflow).where(Workflow.id == older)).one()
        workflow.created_at = utcnow() - timedelta(days=3)
        session.add(
            Enrollment(
                workflow_id=older,
                version=1,
                profile_id="won",
                temporal_workflow_id=f"enroll:{older}:won",
                temporal_run_id="run-won",
                status="converted",
                converted_at=utcnow(),
            )
        )
    page = await client.get(f"/workflows/{older}")
    days = re.findall(r"<tr><td>(\w{3} \d{2} \w{3})</td>", page.text)
    assert len(days) == 4 and days[-1] == utcnow().strftime("%a %d %b")
    assert 'class="rate"><dt>Conversion rate</dt>' in page.text
