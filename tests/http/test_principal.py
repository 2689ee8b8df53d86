"""`CurrentPrincipal`: who sends a request, the same way for an API key and a web session."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from flowline.http.principal import CurrentPrincipal
from tests.web.client import ADMIN_KEY, signed_in, web_app
from tests.web.user_accounts import make_user, sign_in_as


@pytest.fixture
async def web(engine: Engine, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = web_app(engine, tmp_path)

    @app.get("/whoami")
    def whoami(actor: CurrentPrincipal) -> dict[str, Any]:
        return {"kind": actor.kind, "id": actor.id, "name": actor.name, "role": actor.role}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://flowline.test") as client:
        yield client


async def test_a_signed_in_user_is_their_user_with_their_role(
    web: httpx.AsyncClient, engine: Engine
) -> None:
    ed = make_user(engine, "ed@example.com", "editor")
    await sign_in_as(web, "ed@example.com")

    answer = (await web.get("/whoami")).json()

    assert answer == {"kind": "user", "id": ed, "name": "ed", "role": "editor"}


async def test_api_keys_are_their_key_and_the_bootstrap_key_has_no_id(
    web: httpx.AsyncClient,
) -> None:
    bootstrap = {"Authorization": f"Bearer {ADMIN_KEY}"}
    key = (
        await web.post("/v1/api-keys", json={"name": "shop", "scope": "ingest"}, headers=bootstrap)
    ).json()

    as_bootstrap = (await web.get("/whoami", headers=bootstrap)).json()
    as_shop = (await web.get("/whoami", headers={"Authorization": f"Bearer {key['key']}"})).json()
    await signed_in(web)
    as_key_session = (await web.get("/whoami")).json()

    assert as_bootstrap == {
        "kind": "api_key",
        "id": None,
        "name": "bootstrap admin key",
        "role": "admin",
    }
    assert as_shop == {"kind": "api_key", "id": key["id"], "name": "shop", "role": "ingest"}
    assert as_key_session == as_bootstrap


async def test_nobody_gets_401(web: httpx.AsyncClient) -> None:
    assert (await web.get("/whoami")).status_code == 401
    assert (await web.get("/whoami", headers={"Authorization": "Bearer nope"})).status_code == 401
