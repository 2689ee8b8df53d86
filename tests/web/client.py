"""A web-UI client over ASGI: the app as `flowline api` builds it, a cookie jar, the CSRF token."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from flowline.app import create_app
from flowline.core.settings import Settings

ADMIN_KEY = "ui-admin-key"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = _TOKEN.search(page.text)
    assert found, "the page has no CSRF token"
    return found.group(1)


def web_app(engine: Engine, data_dir: Path, secret_key: str = "ui-test-secret") -> FastAPI:
    """The app as `flowline api` builds it, with `ADMIN_KEY` as its bootstrap admin key."""
    settings = Settings(
        data_dir=data_dir,
        database_url=engine.url.render_as_string(hide_password=False),
        bootstrap_admin_key=ADMIN_KEY,
        secret_key=secret_key,
    )
    return create_app(settings, engine=engine)


@asynccontextmanager
async def web_client(
    engine: Engine, data_dir: Path, secret_key: str = "ui-test-secret"
) -> AsyncIterator[httpx.AsyncClient]:
    app = web_app(engine, data_dir, secret_key)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://flowline.test") as client:
        yield client


async def signed_in(client: httpx.AsyncClient, key: str = ADMIN_KEY) -> httpx.Response:
    form = await client.get("/sign-in")
    return await client.post(
        "/sign-in", data={"api_key": key, "csrf_token": csrf_of(form)}, follow_redirects=False
    )
