"""A database that refuses connections or stays locked answers 503 with Retry-After, quickly.

The API builds its engine from its settings here, as `flowline api` does, so the waits it
answers within are the ones it runs with. Each test breaks a database of its own.
"""

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy import make_url

from flowline.app import create_app
from flowline.core.database import REQUEST_WAIT_SECONDS, make_engine, migrate
from flowline.core.settings import Settings
from tests.support.flowline_harness import ADMIN_KEY
from tests.web.client import csrf_of

UNAVAILABLE = {"error": "DatabaseUnavailable", "detail": "the database is unavailable"}
# The request's own wait, plus room for a loaded machine: far below the 30 s of the worker.
ANSWERED_WITHIN = REQUEST_WAIT_SECONDS + 4
EVENT = {"profile_id": "ada", "name": "visit"}


@asynccontextmanager
async def api_on(database_url: str, data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    migrating = make_engine(database_url)
    migrate(migrating)
    migrating.dispose()
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        temporal_address="127.0.0.1:9",
        bootstrap_admin_key=ADMIN_KEY,
        secret_key="test-secret-key",
    )
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://flowline.test",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ) as client:
        yield client
    app.state.engine.dispose()


async def sign_in(client: httpx.AsyncClient) -> None:
    form = await client.get("/sign-in")
    signed = await client.post("/sign-in", data={"api_key": ADMIN_KEY, "csrf_token": csrf_of(form)})
    assert signed.status_code in (200, 303), signed.text


async def timed(call: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await call
    return response, time.monotonic() - started


async def assert_unavailable(client: httpx.AsyncClient) -> None:
    """The API's two calls and a page, side by side: each answers 503 within seconds."""
    api_event, api_list, page = await asyncio.gather(
        timed(client.post("/v1/events", json=EVENT)),
        timed(client.get("/v1/workflows")),
        timed(client.get("/workflows")),
    )
    for response, took in (api_event, api_list, page):
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"].isdigit()
        assert took < ANSWERED_WITHIN, f"answered after {took:.1f} s"
    assert api_event[0].json() == UNAVAILABLE and api_list[0].json() == UNAVAILABLE
    assert "text/html" in page[0].headers["content-type"]
    assert "Database unavailable" in page[0].text
    assert "the database is unavailable" in page[0].text


async def assert_api_works(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/events", json=EVENT)).status_code == 202
    assert (await client.get("/v1/workflows")).status_code == 200
    assert (await client.get("/workflows")).status_code == 200


async def test_a_locked_sqlite_database_answers_503_within_seconds(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    async with api_on(f"sqlite:///{path}", tmp_path) as client:
        await sign_in(client)
        await assert_api_works(client)
        # Another process holds the write lock (a long migration, a stuck writer).
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            await assert_unavailable(client)
            holder.execute("ROLLBACK")
            await assert_api_works(client)
        finally:
            holder.close()


@pytest.fixture
def own_postgresql_database() -> Iterator[str]:
    """A database of this test's own beside FLOWLINE_TEST_DATABASE_URL's, dropped afterwards."""
    base = os.environ.get("FLOWLINE_TEST_DATABASE_URL")
    if not base:
        pytest.skip("needs PostgreSQL: set FLOWLINE_TEST_DATABASE_URL")
    url = make_url(base)
    name = f"{url.database}_down"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def refuse_connections(database_url: str, refuse: bool) -> None:
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres")
    name = sql.Identifier(url.database or "")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(name, sql.Literal(not refuse))
        )
        if refuse:  # the API's pooled connections too
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (url.database,),
            )


async def test_a_postgresql_database_refusing_connections_answers_503_within_seconds(
    own_postgresql_database: str, tmp_path: Path
) -> None:
    async with api_on(own_postgresql_database, tmp_path) as client:
        await sign_in(client)
        await assert_api_works(client)
        refuse_connections(own_postgresql_database, refuse=True)
        try:
            await assert_unavailable(client)
        finally:
            refuse_connections(own_postgresql_database, refuse=False)
        await assert_api_works(client)


async def test_postgresql_where_nothing_listens_answers_503_within_seconds(
    tmp_path: Path,
) -> None:
    # The migration needs a database: this one only shows the engine's connect path.
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql+psycopg://flowline@127.0.0.1:9/flowline",
        temporal_address="127.0.0.1:9",
        bootstrap_admin_key=ADMIN_KEY,
        secret_key="test-secret-key",
    )
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://flowline.test",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ) as client:
        for call in (client.post("/v1/events", json=EVENT), client.get("/v1/workflows")):
            response, took = await timed(call)
            assert response.status_code == 503 and response.json() == UNAVAILABLE
            assert took < ANSWERED_WITHIN, f"answered after {took:.1f} s"
        health = await client.get("/health")
        assert health.status_code == 503 and health.json()["database"] == "unavailable"
    app.state.engine.dispose()
