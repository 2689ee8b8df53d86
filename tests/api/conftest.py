"""The API alone, for tests of what it refuses: the real app and database, no worker.

Temporal is configured at an address nothing listens on: these tests never reach it.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from flowline.app import create_app
from flowline.core.settings import Settings
from tests.support.flowline_harness import ADMIN_KEY


@pytest.fixture
def api_app(engine: Engine, tmp_path: Path) -> FastAPI:
    settings = Settings(
        data_dir=tmp_path,
        database_url=engine.url.render_as_string(hide_password=False),
        temporal_address="127.0.0.1:9",
        bootstrap_admin_key=ADMIN_KEY,
        secret_key="test-secret-key",
    )
    return create_app(settings, engine=engine)


@pytest.fixture
async def api(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with the admin key."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app),
        base_url="http://flowline.test",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ) as client:
        yield client
