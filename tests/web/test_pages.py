"""Pages read the database right on SQLite and PostgreSQL; the UI stays out of the API document;
mail HTML is served only to a sandbox."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from flowline.core.captured_mail import store_message
from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.workflows.crud import create_workflow
from flowline.core.services.workflows.overview import conversion_by_day, counts_by_workflow
from flowline.core.timestamps import utcnow
from tests.web.client import signed_in, web_client


@pytest.fixture
async def client(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with web_client(engine, tmp_path) as web:
        await signed_in(web)
        yield web


def _workflow_with_enrollments(engine: Engine) -> int:
    now = utcnow()
    with session_scope(engine) as session:
        workflow = create_workflow(
            session,
            WorkflowCreate.model_validate(
                {
                    "name": "Figures",
                    "trigger": {"type": "event", "event": "e"},
                    "steps": [{"type": "wait", "duration": "P1D"}],
                }
            ),
        )
        assert workflow.id is not None
        rows = [
            (now, None, "active", False),
            (now, now, "converted", False),
            (now - timedelta(days=2), None, "completed", False),
            (now - timedelta(days=2), now, "completed", False),
            (now, None, "active", True),  # a test enrollment: in no figure
        ]
        for number, (started, converted, status, test) in enumerate(rows):
            session.add(
                Enrollment(
                    workflow_id=workflow.id,
                    version=1,
                    profile_id=f"p-{number}",
                    temporal_workflow_id=f"enroll:{workflow.id}:p-{number}",
                    temporal_run_id=f"run-{number}",
                    status=status,
                    started_at=started,
                    converted_at=converted,
                    test=test,
                )
            )
        return workflow.id


def test_conversion_by_day_counts_each_utc_day_without_test_enrollments(engine: Engine):
    workflow_id = _workflow_with_enrollments(engine)
    with session_scope(engine) as session:
        days = conversion_by_day(session, workflow_id, days=3)
        counts = counts_by_workflow(session)[workflow_id]
    assert [(d.enrolled, d.converted) for d in days] == [(2, 1), (0, 0), (2, 1)]
    assert days[-1].day == utcnow().date()
    assert (counts.enrolled, counts.active, counts.converted) == (4, 1, 2)


async def test_the_detail_page_shows_figures_and_recent_enrollments(
    client: httpx.AsyncClient, engine: Engine
):
    workflow_id = _workflow_with_enrollments(engine)
    page = await client.get(f"/workflows/{workflow_id}")
    assert page.status_code == 200
    assert "data-conversion-rate>50.0%<" in page.text
    assert page.text.count("Open in Temporal") == 5
    listing = await client.get("/workflows")
    assert ">50.0%<" in listing.text and 'aria-label="Enabled"' in listing.text
    figures = await client.get(f"/workflows/{workflow_id}/figures")
    assert figures.status_code == 200 and "<html" not in figures.text


async def test_the_ui_adds_nothing_to_the_openapi_document(client: httpx.AsyncClient):
    paths = (await client.get("/openapi.json")).json()["paths"]
    api = ("/v1/", "/health", "/u/", "/c/", "/o/", "/codec")
    assert [p for p in paths if not p.startswith(api)] == []


async def test_mail_html_is_served_sandboxed_and_only_by_message_id(
    client: httpx.AsyncClient, tmp_path: Path
):
    message_id = store_message(
        tmp_path / "outbox",
        b"Subject: Hi\r\nContent-Type: text/html\r\n\r\n<p>Hi</p><script>alert(1)</script>",
    )
    listing = await client.get("/outbox")
    assert f"/outbox/{message_id}" in listing.text
    html = await client.get(f"/outbox/{message_id}/html")
    assert html.status_code == 200
    assert html.headers["content-security-policy"].startswith("sandbox;")
    page = await client.get(f"/outbox/{message_id}")
    assert "<script>alert(1)</script>" not in page.text
    assert 'sandbox src="/outbox/' in page.text
    for bad in ("..%2Fflowline", ".hidden", "1-../../etc/passwd", "123"):
        assert (await client.get(f"/outbox/{bad}")).status_code == 404


@pytest.mark.parametrize("bad", [str(2**63 - 1), str(2**63), "0", "1e3"])
async def test_every_page_with_an_id_answers_4xx_for_an_id_out_of_range(
    client: httpx.AsyncClient, bad: str
) -> None:
    pages = [
        ("GET", "/workflows/{}"),
        ("GET", "/workflows/{}/figures"),
        ("GET", "/workflows/{}/edit"),
        ("GET", "/campaigns/{}"),
        ("GET", "/campaigns/{}/preview"),
        ("GET", "/campaigns/{}/preview.html"),
        ("GET", "/segments/{}"),
        ("GET", "/segments/{}/count"),
    ]
    for method, page in pages:
        response = await client.request(method, page.format(bad))
        assert 400 <= response.status_code < 500, (page, bad, response.status_code)
