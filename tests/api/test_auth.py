"""API keys: 401 without a known key, 403 for the wrong scope; keys are stored hashed."""

import re

import httpx
from fastapi import FastAPI
from sqlmodel import Session, select

from flowline.core.models.api_keys import ApiKey
from tests.api.error_shape import assert_error
from tests.api.raw_asgi import call
from tests.support.flowline_harness import Flowline

JSON = {"Content-Type": "application/json"}


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


def v1_operations(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented /v1 operation, its path parameters filled with a malformed id."""
    operations = []
    for path, methods in app.openapi()["paths"].items():
        if path.startswith("/v1/"):
            concrete = re.sub(r"\{[^}]+\}", "99999999999999999999999", path)
            operations += [(method.upper(), concrete) for method in methods]
    return operations


MALFORMED = b'{"name": "unterminated'


async def test_without_a_key_every_operation_is_401_whatever_the_body_or_id(
    api_app: FastAPI, api: httpx.AsyncClient
) -> None:
    operations = v1_operations(api_app)
    assert len(operations) >= 25
    for method, path in operations:
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer not-a-key"}):
            response = await api.request(
                method, path, content=MALFORMED, headers={**headers, **JSON}
            )
            assert_error(response, 401)
            # SNS sends the credentials of its subscription URL only after a Basic challenge.
            challenge = "Basic" if path == "/v1/email-feedback/ses" else "Bearer"
            assert response.headers["WWW-Authenticate"].startswith(challenge), (method, path)


async def test_ingest_key_on_an_admin_operation_is_403_before_the_body_is_read(
    api_app: FastAPI, api: httpx.AsyncClient
) -> None:
    created = await api.post("/v1/api-keys", json={"name": "shop", "scope": "ingest"})
    ingest = {"Authorization": f"Bearer {created.json()['key']}", **JSON}
    ingest_operations = {
        ("POST", "/v1/events"),
        ("POST", "/v1/events/batch"),
        ("POST", "/v1/email-feedback"),
        ("POST", "/v1/email-feedback/ses"),
    }
    for method, path in v1_operations(api_app):
        if (method, path) in ingest_operations or (method == "PUT" and "/profiles/" in path):
            continue
        response = await api.request(method, path, content=MALFORMED, headers=ingest)
        assert_error(response, 403)


async def test_a_huge_declared_body_without_a_key_is_401_and_not_read(api_app: FastAPI) -> None:
    exchange = await call(
        api_app,
        "POST",
        "/v1/events/batch",
        iter([b"{" * 1024]),
        content_length=50_000_000,
        key=None,
    )
    assert exchange.status == 401 and exchange.bytes_read == 0


async def test_ingest_key_upsert_answers_only_id_and_updated_at(api: httpx.AsyncClient) -> None:
    created = await api.post("/v1/api-keys", json={"name": "shop", "scope": "ingest"})
    ingest = {"Authorization": f"Bearer {created.json()['key']}"}
    await api.put("/v1/profiles/p-private", json={"properties": {"email": "ada@example.test"}})
    await api.post("/v1/events", json={"profile_id": "p-private", "name": "purchase"})

    response = await api.put(
        "/v1/profiles/p-private", json={"properties": {"city": "Delft"}}, headers=ingest
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "updated_at"} and body["id"] == "p-private"
    assert "ada@example.test" not in response.text
