"""The Profiles page: a search box (id prefix, or property=value), a paginated table with the
workflows' consent properties as columns, and a profile page whose values read as text."""

import html
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.workflows.crud import create_workflow
from flowline.core.timestamps import utcnow
from flowline.web.profile_listing import inline_words, read_search_box
from flowline.web.routes.profiles import PAGE_SIZE
from tests.web.client import ADMIN_KEY, signed_in, web_client
from tests.web.page_parts import page_parts

API_KEY = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
async def ui(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as client:
        await signed_in(client)
        yield client


async def _profile(ui: httpx.AsyncClient, profile_id: str, **properties: Any) -> None:
    response = await ui.put(
        f"/v1/profiles/{profile_id}", json={"properties": properties}, headers=API_KEY
    )
    assert response.status_code == 200, response.text


def _listed(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return [name for name, href in page_parts(page.text).links if href.startswith("/profiles?id=")]


def _workflow_with_consent(engine: Engine, consent: str) -> int:
    body = {
        "name": f"Uses {consent}",
        "trigger": {"type": "event", "event": "signed_up"},
        "consent_property": consent,
        "steps": [{"type": "wait", "duration": "P1D"}],
    }
    with session_scope(engine) as session:
        workflow = create_workflow(session, WorkflowCreate.model_validate(body))
        assert workflow.id is not None
        return workflow.id


async def test_the_box_searches_by_prefix_and_by_property_value(ui: httpx.AsyncClient) -> None:
    await _profile(ui, "ams-1", city="Amsterdam", email_optin=True)
    await _profile(ui, "ams-2", city="Amsterdam", email_optin=False)
    await _profile(ui, "utr-1", city="Utrecht", email_optin=True)

    assert _listed(await ui.get("/profiles")) == ["ams-1", "ams-2", "utr-1"]
    assert _listed(await ui.get("/profiles", params={"q": "ams"})) == ["ams-1", "ams-2"]
    by_value = await ui.get("/profiles", params={"q": "email_optin = true"})
    assert _listed(by_value) == ["ams-1", "utr-1"]
    assert _listed(await ui.get("/profiles", params={"q": "city=Utrecht"})) == ["utr-1"]
    nothing = await ui.get("/profiles", params={"q": "city=Rotterdam"})
    assert _listed(nothing) == [] and "No profiles match" in nothing.text


async def test_the_consent_properties_workflows_use_are_columns_in_words(
    ui: httpx.AsyncClient, engine: Engine
) -> None:
    _workflow_with_consent(engine, "email_optin")
    await _profile(ui, "a", email_optin=True, city="Delft")
    await _profile(ui, "b", email_optin=False)
    await _profile(ui, "c", city="Delft")

    page = (await ui.get("/profiles")).text
    assert '<th scope="col">email_optin</th>' in page
    cells = [line.strip() for line in page.splitlines() if 'data-label="email_optin"' in line]
    assert [c.split(">", 1)[1].removesuffix("</td>") for c in cells] == [
        "yes",
        "no",
        '<span class="meta">not set</span>',
    ]
    assert '<th scope="col">city</th>' not in page


async def test_pages_of_fifty_with_previous_and_next(ui: httpx.AsyncClient) -> None:
    events = [{"profile_id": f"p-{n:03d}", "name": "visit"} for n in range(PAGE_SIZE + 5)]
    response = await ui.post("/v1/events/batch", json={"events": events}, headers=API_KEY)
    assert response.status_code == 202, response.text

    first = await ui.get("/profiles", params={"q": "p-"})
    assert _listed(first) == [f"p-{n:03d}" for n in range(PAGE_SIZE)]
    assert f"1–{PAGE_SIZE} of {PAGE_SIZE + 5} profiles" in first.text
    [next_page] = page_parts(first.text).links_named("Next")
    assert page_parts(first.text).links_named("Previous") == []
    second = await ui.get(html.unescape(next_page))
    assert _listed(second) == [f"p-{n:03d}" for n in range(PAGE_SIZE, PAGE_SIZE + 5)]
    assert page_parts(second.text).links_named("Next") == []
    [back] = page_parts(second.text).links_named("Previous")
    assert _listed(await ui.get(html.unescape(back)))[0] == "p-000"


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("=true", "Write the property before the = sign"),
        ("a\tb", "control characters"),
        ("city=" + "x" * 256, "at most 255 characters"),
    ],
)
async def test_a_search_that_cannot_run_says_why(
    ui: httpx.AsyncClient, typed: str, problem: str
) -> None:
    page = await ui.get("/profiles", params={"q": typed})
    assert page.status_code == 422 and problem in page.text
    assert 'aria-invalid="true"' in page.text


async def test_the_profile_page_shows_values_as_text_and_links_enrollments_to_their_timeline(
    ui: httpx.AsyncClient, engine: Engine
) -> None:
    await _profile(
        ui,
        "ada",
        first_name="Ada",
        email_optin=True,
        vip=False,
        orders=3,
        score=2.5,
        address={"city": "Utrecht", "zip": "3511"},
        tags=["early", "beta"],
    )
    event = {"profile_id": "ada", "name": "purchase", "properties": {"total": 12.0}}
    assert (await ui.post("/v1/events", json=event, headers=API_KEY)).status_code == 202
    workflow_id = _workflow_with_consent(engine, "email_optin")
    with session_scope(engine) as session:
        enrollment = Enrollment(
            workflow_id=workflow_id,
            version=1,
            profile_id="ada",
            temporal_workflow_id=f"enroll:{workflow_id}:ada",
            temporal_run_id="run-1",
            status="active",
            started_at=utcnow(),
        )
        failed = Enrollment(
            workflow_id=workflow_id,
            version=1,
            profile_id="ada",
            temporal_workflow_id=f"enroll:{workflow_id}:ada",
            temporal_run_id="run-0",
            status="completed",
            has_failures=True,
            started_at=utcnow(),
        )
        session.add_all([enrollment, failed])
        session.flush()
        enrollment_id, failed_id = enrollment.id, failed.id

    [href] = page_parts((await ui.get("/profiles", params={"q": "ad"})).text).links_named("ada")
    page = await ui.get(html.unescape(href))
    assert page.status_code == 200 and "Profile ada" in page_parts(page.text).headings
    text = page.text
    for shown in (
        "<dt>first_name</dt><dd>Ada</dd>",
        "<dt>email_optin</dt><dd>yes</dd>",
        "<dt>vip</dt><dd>no</dd>",
        "<dt>orders</dt><dd>3</dd>",
        "<dt>score</dt><dd>2.5</dd>",
        "<li>city: Utrecht</li>",
        "<li>early</li>",
        "<li>total: 12</li>",
    ):
        assert shown in text, shown
    assert '"Ada"' not in text and "true" not in text.split("Properties", 1)[1]
    assert sorted(page_parts(text).links_named("Details")) == sorted(
        [f"/enrollments/{enrollment_id}", f"/enrollments/{failed_id}"]
    )
    # A failed step never reads as success on the profile page either.
    assert "Completed with errors" in text
    assert "purchase" in text


def test_the_box_reads_a_prefix_or_a_property_and_value() -> None:
    assert read_search_box("  ams ").search is not None
    assert read_search_box("  ams ").search.prefix == "ams"  # type: ignore[union-attr]
    search = read_search_box(" plan = pro ").search
    assert search is not None and (search.property, search.value) == ("plan", "pro")
    search = read_search_box("note=a=b").search
    assert search is not None and (search.property, search.value) == ("note", "a=b")


def test_nested_values_read_on_one_line() -> None:
    assert inline_words({"a": 1, "b": True, "c": [1, {"d": None}]}) == (
        "a: 1, b: yes, c: (1, (d: (empty)))"
    )
    assert inline_words([]) == "(nothing)"


@pytest.mark.parametrize("offset", ["-1", "abc", "10000001"])
async def test_a_page_past_the_limits_is_no_page(ui: httpx.AsyncClient, offset: str) -> None:
    """Like every page's malformed address: the UI's Not found, in words."""
    page = await ui.get("/profiles", params={"offset": offset})
    assert page.status_code == 404, page.text
    assert "there is no such page" in page.text
