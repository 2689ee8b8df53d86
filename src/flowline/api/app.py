"""The FastAPI application: routes, error rendering, and the long-lived clients."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from temporalio.client import Client

from flowline.api.errors import install_error_handlers
from flowline.api.routes import (
    api_keys,
    campaigns,
    enrollments,
    events,
    health,
    profiles,
    segments,
    workflows,
)
from flowline.api.routes import (
    settings as settings_routes,
)
from flowline.api.temporal_connection import TemporalConnection
from flowline.core.database import make_engine
from flowline.core.settings import Settings
from flowline.web import install_web_ui


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    temporal_client: Client | None = None,
) -> FastAPI:
    settings = settings or Settings()
    engine = engine or make_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Flowline",
        version="1",
        summary="Marketing-automation workflows on Temporal",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.temporal = TemporalConnection(settings, temporal_client)
    install_error_handlers(app)
    for module in (
        health,
        api_keys,
        events,
        profiles,
        segments,
        campaigns,
        workflows,
        enrollments,
        settings_routes,
    ):
        app.include_router(module.router)

    install_web_ui(app, settings)
    return app
