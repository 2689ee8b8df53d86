"""The composition root: one HTTP application holding the API and the web UI.

It builds the process's long-lived parts (engine, Temporal connection, metrics), installs the
error rendering and the middleware, and mounts the API's routers, then the web UI's.
"""

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import Engine
from temporalio.client import Client

from flowline.api.authentication import SESSION_CHECK, key_principal, presented_key
from flowline.api.body_limit import BodyLimit
from flowline.api.codec_cors import CodecCors, web_ui_origins
from flowline.api.docs_pages import install_docs
from flowline.api.errors import install_error_handlers
from flowline.api.openapi import install_openapi
from flowline.api.routes import api_routers
from flowline.core.database import REQUEST_WAIT_SECONDS, make_engine, read_scope
from flowline.core.metrics import metrics_registry, served_on_own_port
from flowline.core.principals import Principal
from flowline.core.services.api_keys import find_key
from flowline.core.settings import Settings
from flowline.core.temporal import data_converter
from flowline.http.principal import RESOLVER
from flowline.http.temporal_connection import TemporalConnection
from flowline.http.unexpected_errors import UnexpectedErrors
from flowline.web import install_web_ui
from flowline.web.signin import signed_in


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
        docs_url=None,  # served with the app's own copies of the files (install_docs)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.temporal = TemporalConnection(settings, temporal_client)
    app.state.payload_codec = data_converter(settings).payload_codec
    app.state.metrics = metrics_registry(engine)
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(BodyLimit)
    app.add_middleware(CodecCors, origins=web_ui_origins(settings.temporal_ui_url))
    for router in api_routers(settings):
        app.include_router(router)
    install_web_ui(app, settings)
    setattr(app.state, SESSION_CHECK, signed_in)  # the codec accepts the Web UI's session
    setattr(app.state, RESOLVER, lambda request: _principal(request, settings, engine))
    return app


def _principal(request: Request, settings: Settings, engine: Engine) -> Principal | None:
    """Who sends the request: an API key when it carries one, else the web UI's session."""
    presented = presented_key(request)
    bootstrap = settings.bootstrap_admin_key
    with read_scope(engine) as session:
        if presented is not None:
            key = find_key(session, presented, bootstrap.get_secret_value() if bootstrap else None)
            return key_principal(key) if key is not None else None
        if "session" in request.scope and settings.has_secret_key:
            return signed_in(request, session, settings)
    return None
