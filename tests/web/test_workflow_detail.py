"""Enrolling by hand from a workflow's page takes any id ingestion accepts, and the profile page
erases that profile everywhere, its running enrollment's history in Temporal included."""

import html
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from temporalio.service import RPCError, RPCStatusCode

from flowline.app import create_app
from testkit.eventually import eventually
from tests.api.steps import wait_step
from tests.support.flowline_harness import ADMIN_KEY, Flowline
from tests.support.live_server import serving
from tests.support.profile_ids import TRICKY_PROFILE_IDS, profile_path
from tests.web.client import signed_in
from tests.web.page_parts import page_parts


@pytest.fixture
async def ui(flowline: Flowline) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(flowline.settings, engine=flowline.engine, temporal_client=flowline.temporal)
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        await signed_in(client, ADMIN_KEY)
        yield client


async def _enroll_in_the_ui(ui: httpx.AsyncClient, workflow_id: int, typed: str) -> httpx.Response:
    page = await ui.get(f"/workflows/{workflow_id}")
    form = page_parts(page.text).form(f"/workflows/{workflow_id}/enroll")
    return await ui.post(form.action, data={**form.fields, "profile_id": typed})


async def _history_gone(flowline: Flowline, workflow_id: str, run_id: str) -> bool:
    try:
        await flowline.temporal.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    except RPCError as error:
        return error.status == RPCStatusCode.NOT_FOUND
    return False


@pytest.mark.parametrize("profile_id", TRICKY_PROFILE_IDS.values(), ids=TRICKY_PROFILE_IDS.keys())
async def test_a_profile_enrolled_by_hand_is_erased_from_the_ui_and_from_temporal(
    flowline: Flowline, ui: httpx.AsyncClient, profile_id: str
) -> None:
    workflow = await flowline.workflow(steps=[wait_step("PT1H")])
    await flowline.profile(profile_id, plan="pro")

    enrolled = await _enroll_in_the_ui(ui, workflow["id"], profile_id)
    assert enrolled.status_code == 303, enrolled.text
    location = enrolled.headers["location"]
    assert location == f"/workflows/{workflow['id']}?enrolled={quote(profile_id, safe='')}"
    notice = await ui.get(location)
    assert html.escape(f"Enrolled profile {profile_id}.", quote=False) in notice.text
    [enrollment] = await flowline.enrollments_of(workflow["id"])
    assert enrollment["profile_id"] == profile_id and enrollment["status"] == "active"
    run = (enrollment["temporal_workflow_id"], enrollment["temporal_run_id"])

    found = await ui.get("/profiles", params={"id": profile_id})
    erase = page_parts(found.text).form("/profiles/erase")
    assert (await ui.post(erase.action, data=erase.fields)).status_code == 303
    assert (await flowline.api.get(profile_path(profile_id))).status_code == 404
    exited = await flowline.enrollment(enrollment["id"])
    assert (exited["status"], exited["exit_reason"]) == ("exited", "profile_deleted")

    async def history_gone() -> bool:
        return await _history_gone(flowline, *run)

    # A running run is deleted at once (a closed one only when its visibility record closes).
    await eventually(history_gone, 30, "the running enrollment's history deleted")


async def test_an_id_typed_with_spaces_around_it_enrolls_the_profile_meant(
    flowline: Flowline, ui: httpx.AsyncClient
) -> None:
    workflow = await flowline.workflow(steps=[wait_step("PT1H")])
    for profile_id in ("anna", " padded "):
        await flowline.profile(profile_id)
    for typed in (" anna ", " padded "):
        assert (await _enroll_in_the_ui(ui, workflow["id"], typed)).status_code == 303
    enrolled = sorted(e["profile_id"] for e in await flowline.enrollments_of(workflow["id"]))
    assert enrolled == [" padded ", "anna"]


async def test_text_that_can_be_no_profile_id_enrolls_nobody(
    flowline: Flowline, ui: httpx.AsyncClient
) -> None:
    workflow = await flowline.workflow(steps=[wait_step("PT1H")])
    for typed in ("\x00", "kept\x7f", "x" * 256):
        refused = await _enroll_in_the_ui(ui, workflow["id"], typed)
        assert refused.status_code == 422 and "does not exist" in refused.text, refused.text
    assert await flowline.enrollments_of(workflow["id"]) == []
