"""The web UI for marketers: server-rendered pages on the API's own process (DESIGN §4)."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from flowline.core.settings import Settings
from flowline.web.session_cookie import RotatingSessionMiddleware

SESSION_COOKIE = "flowline_session"
SESSION_HOURS = 12


def install_web_ui(app: FastAPI, settings: Settings) -> None:
    """Mount the pages, their static files and the signed session cookie."""
    if not settings.has_secret_key:
        # Sessions need a signing key; `flowline api` and `flowline dev` always have one.
        @app.get("/", response_class=HTMLResponse, include_in_schema=False)
        def no_ui() -> str:
            return (
                "<!doctype html><title>Flowline</title><h1>Flowline</h1>"
                "<p>The web UI needs FLOWLINE_SECRET_KEY. The API is documented at "
                '<a href="/docs">/docs</a>.</p>'
            )

        return
    from flowline.web.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.add_middleware(
        RotatingSessionMiddleware,
        secret_keys=settings.secret_keys(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        https_only=settings.resolved_public_url.startswith("https://"),
    )
