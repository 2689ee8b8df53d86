"""The FastAPI application: routes, error rendering, and the long-lived clients."""

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from temporalio.client import Client

from flowline.api.body_limit import BodyLimit
from flowline.api.codec_cors import CodecCors, web_ui_origins
from flowline.api.errors import install_error_handlers
from flowline.api.openapi import install_openapi
from flowline.api.routes import (
    api_keys,
    campaigns,
    codec,
    enrollments,
    events,
    health,
    metrics,
    profiles,
    segments,
    unsubscribe,
    workflows,
)
from flowline.api.routes import (
    settings as settings_routes,
)
from flowline.api.temporal_connection import TemporalConnection
from flowline.api.unexpected_errors import UnexpectedErrors
from flowline.core.database import REQUEST_WAIT_SECONDS, make_engine
from flowline.core.metrics import metrics_registry, served_on_own_port
from flowline.core.settings import Settings
from flowline.core.temporal import data_converter
from flowline.web import install_web_ui


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    temporal_client: Client | None = None,
) -> FastAPI:
    settings = settings or Settings()
    engine = engine or make_engine(settings.resolved_database_url, REQUEST_WAIT_SECONDS)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            if settings.metrics_port is not None:
                host = settings.metrics_host or settings.api_host
                stack.enter_context(
                    served_on_own_port(app.state.metrics, host, settings.metrics_port)
                )
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
    app.state.payload_codec = data_converter(settings).payload_codec
    app.state.metrics = metrics_registry(engine)
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(BodyLimit)
    app.add_middleware(CodecCors, origins=web_ui_origins(settings.temporal_ui_url))
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
        unsubscribe,
    ):
        app.include_router(module.router)
    # Operator endpoints, outside the REST API's schema; /metrics here only without a port of
    # its own.
    app.include_router(codec.router)
    if settings.metrics_port is None:
        app.include_router(metrics.router)

    install_web_ui(app, settings)
    return app
