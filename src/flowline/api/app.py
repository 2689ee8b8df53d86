"""The FastAPI application: routes, error rendering, and the long-lived clients."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from temporalio.client import Client

from flowline.api.body_limit import BodyLimit
from flowline.api.errors import install_error_handlers
from flowline.api.openapi import install_openapi
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
from flowline.api.temporal_connection import TemporalConnection
from flowline.api.unexpected_errors import UnexpectedErrors
from flowline.core.database import make_engine
from flowline.core.settings import Settings


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
    install_openapi(app)
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(BodyLimit)
    for module in (health, api_keys, events, profiles, segments, campaigns, workflows, enrollments):
        app.include_router(module.router)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return (
            "<!doctype html><title>Flowline</title><h1>Flowline</h1>"
            '<p>The API is documented at <a href="/docs">/docs</a>.</p>'
        )

    return app
