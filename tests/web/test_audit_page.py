"""The audit log from the web UI: each change made in the UI recorded once with the admin key the
session signed in with; the Audit log page with its filters; versions naming who saved them."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from flowline.app import create_app
from flowline.core.models.audit import AuditEntry
from testkit.smtp import SmtpCapture
from tests.api.steps import wait_step
from tests.support.flowline_harness import ADMIN_KEY as HARNESS_ADMIN_KEY
from tests.support.flowline_harness import Flowline
from tests.support.live_server import serving
from tests.web.client import ADMIN_KEY, csrf_of, signed_in
from tests.web.test_housekeeping import _app_client, _campaign, _confirmed, _workflow
from tests.web.test_workflow_detail import _enroll_in_the_ui

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
async def client(
    engine: Engine, tmp_path: Path, mailbox: SmtpCapture
) -> AsyncIterator[httpx.AsyncClient]:
    async with _app_client(engine, tmp_path, mailbox.port) as web:
        yield web


async def _as_named_admin(client: httpx.AsyncClient) -> str:
    """Sign in with a new admin key named "Marketing desk"; its id."""
    made = await client.post(
        "/v1/api-keys", json={"name": "Marketing desk", "scope": "admin"}, headers=API_KEY
    )
    assert (await signed_in(client, made.json()["key"])).status_code == 303
    return str(made.json()["id"])


async def _post(client: httpx.AsyncClient, page: str, action: str, **form: str) -> httpx.Response:
    opened = await client.get(page)
    assert opened.status_code == 200, opened.text
    return await client.post(action, data={"csrf_token": csrf_of(opened), **form})


def _entries(engine: Engine) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


async def test_every_ui_change_is_recorded_once_with_the_signed_in_key(
    client: httpx.AsyncClient, engine: Engine, mailbox: SmtpCapture
) -> None:
    key_id = await _as_named_admin(client)
    before = len(_entries(engine))  # the key's own creation, by the bootstrap key
    campaign = await _campaign(client)  # through the API, by the bootstrap key
    workflow = await _workflow(client)
    await client.put("/v1/profiles/ada", json={"properties": {"x": 1}}, headers=API_KEY)

    # The form's tracking checkboxes, ticked as the page shows them (unticked would turn it off).
    ticked = {"track_opens": "on", "track_clicks": "on"}
    fields = {"subject": "Hi", "html": "<p>Hi</p>", "status": "draft", **ticked}
    await _post(client, "/campaigns/new", "/campaigns/new", name="Spring", **fields)
    await _post(
        client,
        f"/campaigns/{campaign['id']}",
        f"/campaigns/{campaign['id']}",
        name="Welcome",
        subject="Hi {{ first_name }}",
        html="<p>Hello again {{ first_name }}</p>",
        status="active",
        **ticked,
    )
    tested = await _post(
        client,
        f"/campaigns/{campaign['id']}",
        f"/campaigns/{campaign['id']}/test",
        test_address="qa@example.com",
    )
    assert tested.status_code == 200, tested.text
    rule = '{"property": "city", "op": "eq", "value": "Ghent"}'
    await _post(client, "/segments/new", "/segments/new", name="Locals", rule=rule)
    await _post(client, "/workflows", f"/workflows/{workflow['id']}/enabled", enabled="")
    await _post(client, "/workflows", f"/workflows/{workflow['id']}/enabled", enabled="on")
    copied = await _post(
        client, f"/workflows/{workflow['id']}", f"/workflows/{workflow['id']}/duplicate"
    )
    ended = await _post(
        client, f"/workflows/{workflow['id']}", f"/workflows/{workflow['id']}/end-enrollments"
    )
    assert ended.status_code == 303, ended.text
    assert copied.status_code == 303, copied.text
    await _post(client, "/settings", "/settings/frequency-cap", enabled="on", max="2", per="1 day")
    await _post(client, "/settings", "/settings/keys", name="crm", scope="ingest")
    crm = next(e for e in _entries(engine) if e.object_name == "crm")
    await _post(client, "/settings", f"/settings/keys/{crm.object_id}/revoke")
    await _post(
        client, "/settings/suppressions", "/settings/suppressions", new_address="bo@example.com"
    )
    listed = next(e for e in _entries(engine) if e.action == "suppression.added")
    await _post(
        client, "/settings/suppressions", f"/settings/suppressions/{listed.object_id}/remove"
    )
    await _post(client, "/profiles?id=ada", "/profiles/erase", id="ada")
    assert (await _confirmed(client, f"/campaigns/{campaign['id']}/delete")).status_code == 303

    by_ui = [e for e in _entries(engine)[before:] if e.actor_id == key_id]
    assert all((e.actor_type, e.actor_name) == ("api_key", "Marketing desk") for e in by_ui)
    assert [e.action for e in by_ui] == [
        "campaign.created",
        "campaign.updated",
        "campaign.test_sent",
        "segment.created",
        "workflow.disabled",
        "workflow.enabled",
        "workflow.duplicated",
        "workflow.disabled",
        "settings.changed",
        "api_key.created",
        "api_key.revoked",
        "suppression.added",
        "suppression.removed",
        "profile.erased",
        "campaign.deleted",
    ]
    said = {e.action: e.summary for e in by_ui}
    switched_off = [e.summary for e in by_ui if e.action == "workflow.disabled"]
    assert switched_off == [
        "switched off; running enrollments finish",
        "switched off; running enrollments end now",
    ]
    assert said["campaign.updated"] == "HTML changed"
    assert said["campaign.test_sent"] == "test email sent to q***@example.com"
    assert said["settings.changed"] == "email frequency cap: off → 2 email(s) per 1 day"
    assert "qa@example.com" not in str([e.summary for e in by_ui])
    assert "ada" not in str([(e.object_id, e.object_name, e.summary) for e in by_ui[-2:]])


async def test_the_bootstrap_session_is_named_and_saves_name_their_version(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    await signed_in(client)
    workflow = await _workflow(client)
    form = await client.get(f"/workflows/{workflow['id']}/edit")
    fields = {
        "csrf_token": csrf_of(form),
        "name": "Welcome series, longer",
        "enabled": "on",
        "consent_property": "-",
        "trigger.type": "event",
        "trigger.event": "registered",
        "steps.0.type": "wait",
        "steps.0.duration": "2 days",
    }
    saved = await client.post(f"/workflows/{workflow['id']}/edit", data=fields)
    assert saved.status_code == 303, saved.text

    [_, entry] = _entries(engine)
    assert (entry.action, entry.actor_id, entry.actor_name) == (
        "workflow.saved",
        "bootstrap",
        "bootstrap admin key",
    )
    assert entry.summary.startswith("version 2: name: 'Welcome series' → 'Welcome series, longer'")
    page = await client.get(f"/workflows/{workflow['id']}")
    versions = page.text[page.text.index('id="versions-title"') :]
    assert re.search(r'data-label="Saved by">bootstrap admin key<', versions)


async def _rows(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return re.findall(r'<td data-label="Action">([^<]+)</td>', page.text)


async def test_the_audit_log_page_filters_and_pages(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    await signed_in(client)
    made: list[dict[str, Any]] = []
    for n in range(3):
        body = {"name": f"C{n}", "subject": "Hi", "html": "<p>Hi</p>"}
        made.append((await client.post("/v1/campaigns", json=body, headers=API_KEY)).json())
    await _workflow(client)

    page = await client.get("/audit")
    assert '<a href="/audit" aria-current="page">Audit log</a>' in page.text
    assert await _rows(page) == ["workflow.created"] + ["campaign.created"] * 3
    only = await client.get(
        "/audit", params={"object_type": "campaign", "object_id": made[0]["id"]}
    )
    assert await _rows(only) == ["campaign.created"]
    assert "Show all" in only.text
    by_actor = await client.get("/audit", params={"actor": "api_key:bootstrap"})
    assert len(await _rows(by_actor)) == 4
    nobody = await client.get("/audit", params={"actor": "user:7"})
    assert await _rows(nobody) == [] and "No matching changes" in nobody.text
    odd = await client.get("/audit", params={"object_id": "\x00", "object_type": "planet"})
    assert len(await _rows(odd)) == 4  # what a filter cannot hold is no filter, never a 500


async def test_the_audit_log_page_needs_a_session(client: httpx.AsyncClient) -> None:
    page = await client.get("/audit", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")


@pytest.fixture
async def ui(flowline: Flowline) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(flowline.settings, engine=flowline.engine, temporal_client=flowline.temporal)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        await signed_in(client, HARNESS_ADMIN_KEY)
        yield client


async def test_enrolling_by_hand_on_the_workflow_page_is_recorded_once(
    flowline: Flowline, ui: httpx.AsyncClient
) -> None:
    workflow = await flowline.workflow(
        name="Trial nudges", enabled=False, steps=[wait_step("PT1H")]
    )
    await flowline.profile("mia")

    for _ in range(2):  # the second is a no-op: the profile is already enrolled
        assert (await _enroll_in_the_ui(ui, workflow["id"], "mia")).status_code == 303

    log = (await flowline.api.get("/v1/audit", params={"object_type": "enrollment"})).json()
    [entry] = log["items"]
    assert entry["actor"]["id"] == "bootstrap"
    assert entry["summary"] == (
        f"enrolled a profile by hand in test mode in workflow {workflow['id']} 'Trial nudges' "
        "(version 1)"
    )
