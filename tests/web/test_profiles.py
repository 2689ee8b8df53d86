"""The profile page finds, shows and erases every id ingestion accepts, over a real socket: the
links other pages make to it, its Find form and its Erase form carry the id unchanged; so does
the campaign preview's."""

import html
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.workflows.crud import create_workflow
from flowline.core.timestamps import utcnow
from tests.support.live_server import serving
from tests.support.profile_ids import TRICKY_PROFILE_IDS, profile_path
from tests.web.client import ADMIN_KEY, signed_in, web_app
from tests.web.page_parts import page_parts

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
async def ui(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(web_app(engine, tmp_path)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        await signed_in(client)
        yield client


async def _ingest(ui: httpx.AsyncClient, profile_id: str) -> None:
    event = {"profile_id": profile_id, "name": "visit"}
    response = await ui.post("/v1/events", json=event, headers=API_KEY)
    assert response.status_code == 202, response.text


def _enrolled_in_a_workflow(engine: Engine, profile_id: str) -> int:
    with session_scope(engine) as session:
        workflow = create_workflow(
            session,
            WorkflowCreate.model_validate(
                {
                    "name": "Welcome",
                    "trigger": {"type": "event", "event": "signed_up"},
                    "steps": [{"type": "wait", "duration": "P1D"}],
                }
            ),
        )
        assert workflow.id is not None
        session.add(
            Enrollment(
                workflow_id=workflow.id,
                version=1,
                profile_id=profile_id,
                temporal_workflow_id=f"enroll:{workflow.id}:{profile_id}",
                temporal_run_id="run-1",
                status="active",
                started_at=utcnow(),
            )
        )
        return workflow.id


async def _shows_profile(ui: httpx.AsyncClient, url: str, profile_id: str) -> None:
    page = await ui.get(url)
    assert page.status_code == 200, page.text
    assert f"Profile {profile_id}" in page_parts(page.text).headings


@pytest.mark.parametrize("profile_id", TRICKY_PROFILE_IDS.values(), ids=TRICKY_PROFILE_IDS.keys())
async def test_the_profile_page_shows_any_ingested_id_and_its_erase_form_erases_it(
    ui: httpx.AsyncClient, engine: Engine, profile_id: str
) -> None:
    segment = await ui.post(
        "/v1/segments",
        json={"name": "Visitors", "rule": {"event": "visit", "within": "P1D"}},
        headers=API_KEY,
    )
    assert segment.status_code == 201, segment.text
    workflow_id = _enrolled_in_a_workflow(engine, profile_id)
    await _ingest(ui, profile_id)

    # The links the segment's members and the workflow's enrollments make to the profile.
    for page in (f"/segments/{segment.json()['id']}", f"/workflows/{workflow_id}"):
        listing = await ui.get(page)
        [href] = page_parts(listing.text).links_named(profile_id)
        await _shows_profile(ui, href, profile_id)

    # The Find form, as a browser submits it.
    found = await ui.get("/profiles", params={"id": profile_id})
    assert f"Profile {profile_id}" in page_parts(found.text).headings
    erase = page_parts(found.text).form("/profiles/erase")
    assert erase.method == "POST" and erase.fields["id"] == profile_id
    assert erase.confirm and profile_id in erase.confirm

    erased = await ui.post(erase.action, data=erase.fields)
    assert erased.status_code == 303 and erased.headers["location"] == "/profiles?erased=1"
    notice = await ui.get(erased.headers["location"])
    assert '<p class="notice" role="status">Profile erased.</p>' in notice.text
    assert (await ui.get(profile_path(profile_id), headers=API_KEY)).status_code == 404
    missing = await ui.get("/profiles", params={"id": profile_id})
    assert missing.status_code == 404 and "No profile with this id." in missing.text


async def test_find_takes_the_id_exactly_and_forgives_spaces_pasted_around_it(
    ui: httpx.AsyncClient,
) -> None:
    for profile_id in ("anna", " spaced ", "spaced"):
        await _ingest(ui, profile_id)
    await _shows_profile(ui, "/profiles?id=%20anna%20", "anna")
    await _shows_profile(ui, "/profiles?id=%20spaced%20", " spaced ")
    await _shows_profile(ui, "/profiles?id=spaced", "spaced")
    too_long = await ui.get("/profiles", params={"id": "anna" + " " * 300})
    assert too_long.status_code == 200 and "Profile anna" in too_long.text


async def test_erasing_needs_the_forms_token(ui: httpx.AsyncClient) -> None:
    await _ingest(ui, "kept")
    refused = await ui.post("/profiles/erase", data={"id": "kept", "csrf_token": "forged"})
    assert refused.status_code == 403
    assert (await ui.get(profile_path("kept"), headers=API_KEY)).status_code == 200


async def test_text_that_can_be_no_profile_id_finds_and_erases_nothing(
    ui: httpx.AsyncClient,
) -> None:
    await _ingest(ui, "kept")
    kept = await ui.get("/profiles", params={"id": "kept"})
    token = page_parts(kept.text).form("/profiles/erase").fields["csrf_token"]
    # U+0000 cannot even be sent to PostgreSQL: refused before any query, like ingestion does.
    for text in ("\x00", "kept\x00", "kept\x7f", "x" * 256):
        missing = await ui.get("/profiles", params={"id": text})
        assert missing.status_code == 404 and "No profile with this id." in missing.text
        erased = await ui.post("/profiles/erase", data={"id": text, "csrf_token": token})
        assert erased.status_code == 303, erased.text
    assert (await ui.get(profile_path("kept"), headers=API_KEY)).status_code == 200


@pytest.mark.parametrize("profile_id", TRICKY_PROFILE_IDS.values(), ids=TRICKY_PROFILE_IDS.keys())
async def test_a_campaign_preview_renders_for_any_ingested_id(
    ui: httpx.AsyncClient, profile_id: str
) -> None:
    campaign = await ui.post(
        "/v1/campaigns",
        json={"name": "Hi", "subject": "Hi", "html": "<p>[{{ city }}]</p>", "status": "active"},
        headers=API_KEY,
    )
    assert campaign.status_code == 201, campaign.text
    await _ingest(ui, profile_id)
    properties = {"properties": {"city": f"city of {profile_id}"}}
    updated = await ui.put(profile_path(profile_id), json=properties, headers=API_KEY)
    assert updated.status_code == 200, updated.text
    page = await ui.get(
        f"/campaigns/{campaign.json()['id']}/preview", params={"profile_id": profile_id}
    )
    assert page.status_code == 200, page.text
    [frame_src] = page_parts(page.text).frames
    frame = await ui.get(frame_src)
    assert frame.status_code == 200
    assert f"<p>[{html.escape(f'city of {profile_id}')}]</p>" in frame.text


async def test_a_campaign_preview_for_text_that_can_be_no_profile_id_is_refused_at_the_field(
    ui: httpx.AsyncClient,
) -> None:
    campaign = await ui.post(
        "/v1/campaigns",
        json={"name": "Hi", "subject": "Hi", "html": "<p>Hi</p>", "status": "active"},
        headers=API_KEY,
    )
    for page in ("preview", "preview.html"):
        url = f"/campaigns/{campaign.json()['id']}/{page}"
        # 422 (the campaign exists; the profile named does not), never a 500 nor a query.
        assert (await ui.get(url, params={"profile_id": "\x00"})).status_code == 422
