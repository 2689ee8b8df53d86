"""The dry run in the web UI, without a browser: on the form's unsaved content (its problems
placed as Save places them) and on a saved workflow (a page of its own without the script)."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from flowline.core.models.workflows import Workflow
from flowline.core.timestamps import utcnow
from tests.support.dry_run_history import seed_history
from tests.web.client import ADMIN_KEY, csrf_of, signed_in, web_client

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}
FETCH = {"X-Requested-With": "fetch"}
FORM = {
    "name": "Welcome",
    "enabled": "on",
    "consent_property": "email_optin",
    "trigger.type": "event",
    "trigger.event": "signed_up",
    "goal.kind": "event",
    "goal.event": "purchase",
    "exit_on_goal": "on",
    "reentry": "after_completion",
    "steps.0.type": "wait",
    "steps.0.duration": "1 day",
    "dry_run_days": "30",
}


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    seed_history(engine, utcnow() - timedelta(days=29))
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        yield web


async def _csrf(client: httpx.AsyncClient) -> str:
    return csrf_of(await client.get("/workflows/new"))


def _workflows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Workflow)).scalar_one())


async def test_the_forms_content_runs_unsaved(client: httpx.AsyncClient, engine: Engine) -> None:
    form = {**FORM, "csrf_token": await _csrf(client)}

    answer = await client.post("/workflows/dry-run", data=form, headers=FETCH)

    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Flowline-Part"] == "dry-run"
    assert 'aria-label="Dry run"' in answer.text
    assert "960 profiles would enroll in the last 30 days" in answer.text
    assert "Step 1 · Wait" in answer.text and "reached by 960 enrollments" in answer.text
    assert "as they are now" in answer.text
    assert _workflows(engine) == 0  # nothing saved


async def test_form_problems_come_back_as_save_shows_them(client: httpx.AsyncClient) -> None:
    form = {**FORM, "trigger.event": "", "steps.0.duration": "soon", "csrf_token": ""}
    form["csrf_token"] = await _csrf(client)

    answer = await client.post("/workflows/dry-run", data=form, headers=FETCH)

    assert answer.status_code == 422
    assert "X-Flowline-Part" not in answer.headers
    assert "data-error-summary" in answer.text and 'name="trigger.event"' in answer.text
    assert 'value="soon"' in answer.text  # nothing typed is lost


async def test_days_outside_1_to_90_are_refused_in_words(client: httpx.AsyncClient) -> None:
    form = {**FORM, "dry_run_days": "91", "csrf_token": await _csrf(client)}

    answer = await client.post("/workflows/dry-run", data=form, headers=FETCH)

    assert answer.status_code == 422 and "Enter a number of days from 1 to 90." in answer.text


async def test_a_saved_workflow_runs_from_its_page(client: httpx.AsyncClient) -> None:
    body = {
        "name": "Saved",
        "trigger": {"type": "event", "event": "signed_up"},
        "consent_property": None,
        "steps": [{"type": "wait", "duration": "P1D"}],
    }
    saved = await client.post("/v1/workflows", json=body, headers=API_KEY)
    workflow_id = saved.json()["id"]

    page = await client.get(f"/workflows/{workflow_id}")
    alone = await client.get(f"/workflows/{workflow_id}/dry-run", params={"dry_run_days": "7"})
    part = await client.get(f"/workflows/{workflow_id}/dry-run", headers=FETCH)

    assert ">Dry run</button>" in page.text and 'aria-label="Dry run"' in page.text
    assert alone.status_code == 200 and "<html" in alone.text
    assert "would enroll in the last 7 days" in alone.text
    assert (
        "<html" not in part.text and "1,000 profiles would enroll in the last 30 days" in part.text
    )
    missing = await client.get("/workflows/4242/dry-run")
    assert missing.status_code == 404
