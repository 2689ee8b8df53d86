"""API keys: 401 without a known key, 403 for the wrong scope; keys are stored hashed."""

from sqlmodel import Session, select

from flowline.core.models.api_keys import ApiKey
from tests.support.flowline_harness import Flowline


async def test_missing_or_unknown_key_is_401(flowline: Flowline) -> None:
    anonymous = await flowline.api.get("/v1/workflows", headers={"Authorization": ""})
    unknown = await flowline.api.get("/v1/workflows", headers={"Authorization": "Bearer nope"})

    assert anonymous.status_code == 401 and anonymous.json()["error"] == "Unauthorized"
    assert unknown.status_code == 401


async def test_ingest_key_writes_profiles_but_cannot_manage(flowline: Flowline) -> None:
    created = await flowline.post("/v1/api-keys", {"name": "shop", "scope": "ingest"})
    assert created.status_code == 201
    key = created.json()["key"]
    ingest = {"Authorization": f"Bearer {key}"}

    upsert = await flowline.api.put("/v1/profiles/p-1", json={"properties": {}}, headers=ingest)
    manage = await flowline.api.get("/v1/workflows", headers=ingest)

    assert upsert.status_code == 200
    assert manage.status_code == 403 and manage.json()["error"] == "Forbidden"
    with Session(flowline.engine) as session:
        stored = session.exec(select(ApiKey)).one()
    assert key not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64


async def test_health_needs_no_key(flowline: Flowline) -> None:
    response = await flowline.api.get("/health", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "temporal": "ok"}
