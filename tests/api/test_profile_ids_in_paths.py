"""Every profile id ingestion accepts is read, updated and erased through its path, over a real
socket (uvicorn decodes `%2F` before routing); ids it refuses are refused in paths alike."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from flowline.core.models.events import Event
from flowline.core.models.profiles import Profile
from tests.support.flowline_harness import ADMIN_KEY
from tests.support.live_server import serving
from tests.support.profile_ids import TRICKY_PROFILE_IDS, profile_path

METHODS = ("GET", "PUT", "DELETE")


@pytest.fixture
async def api_over_http(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(api_app) as url,
        httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30
        ) as client,
    ):
        yield client


async def _send(client: httpx.AsyncClient, method: str, path: str) -> httpx.Response:
    body: dict[str, Any] | None = {"properties": {"plan": "pro"}} if method == "PUT" else None
    response = await client.request(method, path, json=body)
    # The client sent the path as written: no `..` removed, no escape undone.
    assert response.request.url.raw_path == path.encode()
    return response


def _stored(engine: Engine, profile_id: str) -> tuple[bool, int]:
    with Session(engine) as session:
        profile = session.get(Profile, profile_id)
        events = session.exec(select(Event).where(col(Event.profile_id) == profile_id)).all()
        return profile is not None, len(events)


@pytest.mark.parametrize("profile_id", TRICKY_PROFILE_IDS.values(), ids=TRICKY_PROFILE_IDS.keys())
async def test_an_ingested_profile_is_read_updated_and_erased_through_its_path(
    api_over_http: httpx.AsyncClient, engine: Engine, profile_id: str
) -> None:
    api, path = api_over_http, profile_path(profile_id)
    ingested = await api.post("/v1/events", json={"profile_id": profile_id, "name": "signed_up"})
    assert ingested.status_code == 202, ingested.text

    read = await _send(api, "GET", path)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == profile_id
    assert [e["name"] for e in read.json()["events"]] == ["signed_up"]

    updated = await _send(api, "PUT", path)
    assert updated.status_code == 200 and updated.json()["id"] == profile_id, updated.text
    assert (await _send(api, "GET", path)).json()["properties"] == {"plan": "pro"}

    erased = await _send(api, "DELETE", path)
    assert erased.status_code == 204, erased.text
    gone = await _send(api, "GET", path)
    assert gone.status_code == 404 and gone.json()["error"] == "NotFound"
    assert _stored(engine, profile_id) == (False, 0)


async def test_erasing_one_id_leaves_the_ids_its_path_looks_like(
    api_over_http: httpx.AsyncClient, engine: Engine
) -> None:
    # Decoded once, matched whole: no id reaches another by a second decoding, by its parts
    # or by a `..` taken as a step up.
    lookalikes = ["gdpr", "subject", "gdpr/subject", "gdpr%2Fsubject", "gdpr%252Fsubject", "/"]
    lookalikes += ["%2F", "..", "gdpr/../subject", "gdpr/..", ". ."]
    for profile_id in lookalikes:
        response = await api_over_http.post(
            "/v1/events", json={"profile_id": profile_id, "name": "visit"}
        )
        assert response.status_code == 202, response.text
    remaining = list(lookalikes)
    for profile_id in lookalikes:
        assert (await _send(api_over_http, "DELETE", profile_path(profile_id))).status_code == 204
        remaining.remove(profile_id)
        assert _stored(engine, profile_id) == (False, 0)
        assert all(_stored(engine, other) == (True, 1) for other in remaining), profile_id


REFUSED = {
    "empty": "",
    "only-spaces": "   ",
    "control-character": "tab\there",
    "delete-character": "a\x7fb",
    "c1-control": "next\x85line",
    "256-characters": "x" * 256,
}


@pytest.mark.parametrize("profile_id", REFUSED.values(), ids=REFUSED.keys())
async def test_an_id_ingestion_refuses_is_refused_in_a_path_too(
    api_over_http: httpx.AsyncClient, profile_id: str
) -> None:
    ingested = await api_over_http.post("/v1/events", json={"profile_id": profile_id, "name": "e"})
    assert ingested.status_code == 422, ingested.text
    for method in METHODS:
        response = await _send(api_over_http, method, profile_path(profile_id))
        assert response.status_code == 422, (method, response.text)
        assert response.json()["errors"][0]["loc"] == ["path", "profile_id"]


@pytest.mark.parametrize(
    "segment", ["%FF", "caf%E9", "%ED%A0%80"], ids=["ff", "latin-1", "surrogate"]
)
async def test_a_path_that_is_not_utf_8_names_no_profile(
    api_over_http: httpx.AsyncClient, engine: Engine, segment: str
) -> None:
    # Decoded leniently it would name the profile "\ufffd": that one must stay.
    for profile_id in ("\ufffd", "caf\ufffd", "\ufffd\ufffd\ufffd"):
        await api_over_http.post("/v1/events", json={"profile_id": profile_id, "name": "e"})
    for method in METHODS:
        response = await _send(api_over_http, method, f"/v1/profiles/{segment}")
        assert response.status_code == 422, (method, response.text)
        assert response.json()["detail"] == "path.profile_id: must be percent-encoded UTF-8"
    for profile_id in ("\ufffd", "caf\ufffd", "\ufffd\ufffd\ufffd"):
        assert _stored(engine, profile_id) == (True, 1)
