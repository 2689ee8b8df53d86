"""Delete (confirmed; a refusal shown in words, nothing deleted), Duplicate and Send test in the
web UI, over the app as `flowline api` builds it, with a real SMTP server receiving the tests."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from flowline.app import create_app
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.outbox import OutboxIntent
from flowline.core.models.workflows import Workflow
from flowline.core.settings import Settings
from testkit.smtp import SmtpCapture
from tests.web.client import ADMIN_KEY, csrf_of, signed_in

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}
WAIT = {"type": "wait", "duration": "P1D"}


def _app_client(engine: Engine, data_dir: Path, smtp_port: int) -> httpx.AsyncClient:
    settings = Settings(
        data_dir=data_dir,
        database_url=engine.url.render_as_string(hide_password=False),
        bootstrap_admin_key=ADMIN_KEY,
        secret_key="ui-test-secret",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
    )
    transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
    return httpx.AsyncClient(transport=transport, base_url="http://flowline.test")


@pytest.fixture
async def client(
    engine: Engine, tmp_path: Path, mailbox: SmtpCapture
) -> AsyncIterator[httpx.AsyncClient]:
    async with _app_client(engine, tmp_path, mailbox.port) as web:
        await signed_in(web)
        yield web


async def _api(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=API_KEY)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def _workflow(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Welcome series",
        "trigger": {"type": "event", "event": "registered"},
        "consent_property": None,
        "steps": [WAIT],
        **fields,
    }
    return await _api(client, "/v1/workflows", body)


async def _campaign(client: httpx.AsyncClient) -> dict[str, Any]:
    body = {
        "name": "Welcome",
        "subject": "Hi {{ first_name }}",
        "html": "<p>Hello {{ first_name }}</p>",
        "status": "active",
    }
    return await _api(client, "/v1/campaigns", body)


def _sends(campaign_id: int) -> dict[str, Any]:
    return {
        "type": "send_email",
        "campaign_id": campaign_id,
        "merge_tags": {"first_name": {"property": "first_name", "default": "there"}},
    }


async def _confirmed(client: httpx.AsyncClient, path: str) -> httpx.Response:
    """Open the confirmation page, then press its Delete button."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    assert re.search(r'<button type="submit" class="danger">Delete</button>', page.text)
    return await client.post(path, data={"csrf_token": csrf_of(page)}, follow_redirects=False)


async def _exists(client: httpx.AsyncClient, path: str) -> bool:
    response = await client.get(path, headers=API_KEY)
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


@pytest.mark.parametrize("kind", ["workflows", "campaigns", "segments"])
async def test_deleting_asks_first_then_goes_back_to_the_list_with_a_notice(
    client: httpx.AsyncClient, kind: str
) -> None:
    if kind == "workflows":
        item = await _workflow(client)
    elif kind == "campaigns":
        item = await _campaign(client)
    else:
        item = await _api(
            client,
            "/v1/segments",
            {"name": "Adults", "rule": {"property": "age", "op": "gte", "value": 18}},
        )
    detail = await client.get(f"/{kind}/{item['id']}")
    assert f'action="/{kind}/{item["id"]}/delete"' in detail.text

    asked = await client.get(f"/{kind}/{item['id']}/delete")
    assert await _exists(client, f"/v1/{kind}/{item['id']}")  # asking deletes nothing
    assert "This cannot be undone." in asked.text
    deleted = await _confirmed(client, f"/{kind}/{item['id']}/delete")

    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"/{kind}?deleted={kind[:-1]}"
    listed = await client.get(deleted.headers["location"])
    assert f"{kind[:-1].capitalize()} deleted." in listed.text
    assert not await _exists(client, f"/v1/{kind}/{item['id']}")


async def test_deleting_without_the_form_s_token_is_refused(client: httpx.AsyncClient) -> None:
    workflow = await _workflow(client)

    response = await client.post(f"/workflows/{workflow['id']}/delete", data={})

    assert response.status_code == 403
    assert "the form has expired" in response.text
    assert await _exists(client, f"/v1/workflows/{workflow['id']}")


async def test_a_campaign_a_workflow_sends_is_not_deleted_and_the_page_names_the_workflow(
    client: httpx.AsyncClient,
) -> None:
    campaign = await _campaign(client)
    workflow = await _workflow(client, name="Onboarding", steps=[_sends(campaign["id"])])

    refused = await _confirmed(client, f"/campaigns/{campaign['id']}/delete")

    assert refused.status_code == 409
    assert "“Welcome” cannot be deleted: these workflows send it." in refused.text
    assert f'<a href="/workflows/{workflow["id"]}">Onboarding</a>' in refused.text
    assert "Nothing was deleted." in refused.text
    assert await _exists(client, f"/v1/campaigns/{campaign['id']}")


async def test_a_segment_a_workflow_starts_with_is_not_deleted_and_the_page_names_it(
    client: httpx.AsyncClient,
) -> None:
    rule = {"property": "age", "op": "gte", "value": 18}
    segment = await _api(client, "/v1/segments", {"name": "Adults", "rule": rule})
    trigger = {"type": "segment_entered", "segment_id": segment["id"]}
    workflow = await _workflow(client, name="Grown-ups", trigger=trigger)

    refused = await _confirmed(client, f"/segments/{segment['id']}/delete")

    assert refused.status_code == 409
    assert "“Adults” cannot be deleted: these workflows start or end with it." in refused.text
    assert f'<a href="/workflows/{workflow["id"]}">Grown-ups</a>' in refused.text
    assert await _exists(client, f"/v1/segments/{segment['id']}")


async def test_a_workflow_with_running_enrollments_is_not_deleted(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    workflow = await _workflow(client, name="Busy")
    with Session(engine) as session:
        for n in range(2):
            session.add(
                Enrollment(
                    workflow_id=workflow["id"],
                    version=1,
                    profile_id=f"p{n}",
                    temporal_workflow_id=f"enroll:{workflow['id']}:p{n}",
                    temporal_run_id=f"run-{n}",
                )
            )
        session.commit()

    refused = await _confirmed(client, f"/workflows/{workflow['id']}/delete")

    assert refused.status_code == 409
    assert "“Busy” cannot be deleted while 2 profiles are still going through it." in refused.text
    assert await _exists(client, f"/v1/workflows/{workflow['id']}")

    # The page offers to end them: the workflow is switched off and an exit is queued.
    ending = await client.post(
        f"/workflows/{workflow['id']}/end-enrollments",
        data={"csrf_token": csrf_of(refused)},
        follow_redirects=False,
    )
    assert ending.status_code == 303
    asked_again = await client.get(ending.headers["location"])
    assert "its running enrollments are being ended" in asked_again.text
    with Session(engine) as session:
        kinds = session.exec(select(OutboxIntent.kind)).all()
        assert kinds == ["exit_enrollments"]
        assert session.get(Workflow, workflow["id"]).enabled is False  # type: ignore[union-attr]
        for enrollment in session.exec(select(Enrollment)):  # what the exit does, later
            enrollment.status = "exited"
            session.add(enrollment)
        session.commit()
    deleted = await _confirmed(client, f"/workflows/{workflow['id']}/delete")
    assert deleted.status_code == 303
    assert not await _exists(client, f"/v1/workflows/{workflow['id']}")


async def test_duplicate_opens_a_disabled_copy_with_the_same_steps(
    client: httpx.AsyncClient,
) -> None:
    workflow = await _workflow(client, steps=[WAIT, {"type": "wait", "duration": "PT2H"}])
    page = await client.get(f"/workflows/{workflow['id']}")

    copied = await client.post(
        f"/workflows/{workflow['id']}/duplicate",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )

    assert copied.status_code == 303
    copy_id = int(copied.headers["location"].split("/")[2].split("?")[0])
    opened = await client.get(copied.headers["location"])
    assert "<h1>Copy of Welcome series</h1>" in opened.text
    assert "This is a copy, switched off" in opened.text
    copy = (await client.get(f"/v1/workflows/{copy_id}", headers=API_KEY)).json()
    assert (copy["name"], copy["enabled"], copy["version"]) == ("Copy of Welcome series", False, 1)
    assert copy["steps"] == workflow["steps"] and copy["trigger"] == workflow["trigger"]
    original = (await client.get(f"/v1/workflows/{workflow['id']}", headers=API_KEY)).json()
    assert (original["name"], original["enabled"]) == ("Welcome series", True)
