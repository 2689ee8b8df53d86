"""`POST /v1/workflows/dry-run`: the answer's shape, what it refuses, and that nothing is sent,
stored or started (the API here has no Temporal at all)."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel

from flowline.core.timestamps import utcnow
from tests.support.dry_run_history import PEOPLE, seed_history, welcome_series

WRITTEN_BY_A_RUN = ("outbox", "enrollments", "deliveries", "email_sends", "events", "profiles")


class TemporalSpy:
    """Stands in for the app's Temporal connection: records any use."""

    def __init__(self) -> None:
        self.used = 0

    async def client(self) -> Any:
        self.used += 1
        raise AssertionError("a dry run must not reach Temporal")

    async def healthy(self) -> bool:
        self.used += 1
        return False


@pytest.fixture
def temporal(api_app: FastAPI) -> TemporalSpy:
    spy = TemporalSpy()
    api_app.state.temporal = spy
    return spy


async def _campaign(api: httpx.AsyncClient, **fields: Any) -> int:
    body = {"name": "Hello", "subject": "Hi", "html": "<p>Hi</p>", "status": "active", **fields}
    response = await api.post("/v1/campaigns", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _with_campaign(body: dict[str, Any], campaign_id: int) -> dict[str, Any]:
    body["steps"][0]["campaign_id"] = campaign_id
    body["steps"][2]["then"][0]["campaign_id"] = campaign_id
    return body


def _rows(engine: Engine) -> dict[str, int]:
    tables = SQLModel.metadata.tables
    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(tables[name])).scalar_one()
            for name in WRITTEN_BY_A_RUN
        }


async def test_a_body_and_a_saved_workflow_answer_the_same_and_nothing_is_written(
    api: httpx.AsyncClient, engine: Engine, temporal: TemporalSpy
) -> None:
    seed_history(engine, utcnow() - timedelta(days=29))
    campaign = await _campaign(api)
    body = _with_campaign(welcome_series(), campaign)
    saved = await api.post("/v1/workflows", json=body)
    assert saved.status_code == 201, saved.text
    before = _rows(engine)

    by_body = await api.post("/v1/workflows/dry-run", json={"workflow": body})
    by_id = await api.post(
        "/v1/workflows/dry-run", json={"workflow_id": saved.json()["id"], "days": 30}
    )

    assert by_body.status_code == 200, by_body.text
    answer = by_body.json()
    assert {k: v for k, v in by_id.json().items() if k not in ("from", "to")} == {
        k: v for k, v in answer.items() if k not in ("from", "to")
    }
    enrolled = [p for p in PEOPLE if p.consents]
    assert answer["would_enroll"] == len(enrolled) == 960
    assert answer["skipped_no_consent"] == 40 and answer["converted"] == 320
    assert answer["conversion_rate"] == round(320 / 960, 4)
    assert [s["path"] for s in answer["steps"]] == ["0", "1", "2", "2.then.0", "2.else.0"]
    assert answer["steps"][0] == {
        "path": "0",
        "type": "send_email",
        "reached": 960,
        "emails": 960,
        "http_calls": 0,
        "skipped_frequency_cap": 0,
        "arms": {},
    }
    assert answer["steps"][2]["arms"] == {"then": 320, "else": 320}
    assert len(answer["per_day"]) == 31 and sum(d["enrollments"] for d in answer["per_day"]) == 960
    assert sum(d["emails"] for d in answer["per_day"]) == 960 + 320
    assert len(answer["sample_profiles"]) == 10
    assert any("as they are now" in text for text in answer["approximations"])
    assert set(answer) >= {"from", "to", "events_replayed"}
    assert _rows(engine) == before  # no outbox intent, enrollment, delivery or cap slot
    assert before["outbox"] == before["enrollments"] == before["deliveries"] == 0
    assert temporal.used == 0


async def test_days_default_to_30_and_stay_within_1_to_90(api: httpx.AsyncClient) -> None:
    body = welcome_series(steps=[{"type": "wait", "duration": "P1D"}])
    answer = (await api.post("/v1/workflows/dry-run", json={"workflow": body})).json()
    assert len(answer["per_day"]) == 31 and answer["would_enroll"] == 0
    for days in (0, 91, "many"):
        response = await api.post("/v1/workflows/dry-run", json={"workflow": body, "days": days})
        assert response.status_code == 422, days
        assert response.json()["errors"][0]["loc"] == ["days"]


async def test_exactly_one_of_a_body_and_an_id(api: httpx.AsyncClient) -> None:
    body = welcome_series(steps=[{"type": "wait", "duration": "P1D"}])
    for request in ({}, {"workflow": body, "workflow_id": 1}):
        response = await api.post("/v1/workflows/dry-run", json=request)
        assert response.status_code == 422
        assert "exactly one of them" in response.text


async def test_an_unknown_workflow_is_404(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/workflows/dry-run", json={"workflow_id": 4242})
    assert response.status_code == 404
    assert "workflow 4242 does not exist" in response.text


async def test_a_body_is_checked_as_a_save_checks_it(api: httpx.AsyncClient) -> None:
    draft = await _campaign(api, status="draft")
    body = _with_campaign(welcome_series(), draft)

    response = await api.post("/v1/workflows/dry-run", json={"workflow": body})
    malformed = await api.post(
        "/v1/workflows/dry-run",
        json={"workflow": welcome_series(steps=[{"type": "wait", "duration": "soon"}])},
    )

    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["errors"]]
    assert ["workflow", "steps", 0, "campaign_id"] in locs
    assert "Choose an active campaign" in response.text
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["loc"] == ["workflow", "steps", 0, "duration"]


async def test_other_methods_on_the_dry_run_are_405(api: httpx.AsyncClient) -> None:
    for method in ("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"):
        response = await api.request(method, "/v1/workflows/dry-run")
        assert response.status_code == 405, method
        assert response.headers["Allow"] == "POST"
        assert method == "HEAD" or response.json()["error"] == "MethodNotAllowed"
