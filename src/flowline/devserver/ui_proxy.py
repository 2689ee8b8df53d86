"""The Temporal Web UI's address under `flowline dev`: a proxy in front of the dev server's UI.

The dev server's Web UI listens on a private loopback port; this proxy answers on
FLOWLINE_TEMPORAL_UI_URL and passes every request through unchanged, except `/codec/*`, which it
hands to Flowline's API. The Web UI's codec endpoint is `/codec` on its own origin, so the browser
sends Flowline's session cookie with the decode calls (cookies are per host name, not per port),
with no CORS and no "include credentials" setting, which the dev server has no flag for.
"""

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from flowline.core.settings import Settings

CODEC_PREFIX = "/codec/"
LOOPBACK_NAMES = ("localhost", "127.0.0.1")
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# Headers about one connection, not the message: never passed on.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


def private_port() -> int:
    """A loopback port nothing listens on, for the dev server's own Web UI."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def on_flowline_host(settings: Settings) -> Settings:
    """FLOWLINE_TEMPORAL_UI_URL under the host name of Flowline's own URL when both are loopback
    names (the defaults are `localhost:8233` and `127.0.0.1:8000`): the same machine, and the
    one name under which the browser holds the Flowline session."""
    ui, own = urlsplit(settings.temporal_ui_url), urlsplit(settings.resolved_public_url)
    if ui.hostname not in LOOPBACK_NAMES or own.hostname not in LOOPBACK_NAMES:
        return settings
    if ui.hostname == own.hostname:
        return settings
    netloc = f"{own.hostname}:{ui.port}" if ui.port else str(own.hostname)
    return settings.model_copy(update={"temporal_ui_url": urlunsplit(ui._replace(netloc=netloc))})


def ui_proxy_app(ui_upstream: str, api_upstream: str, host_name: str | None = None) -> Starlette:
    """Forwards to `ui_upstream` (the dev server's Web UI), `/codec/*` to `api_upstream`.

    With `host_name` (a loopback name), a request for the other loopback name is redirected to
    it, so a Web UI opened as `localhost` still finds the session held for `127.0.0.1`.
    """
    client = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0), follow_redirects=False)

    async def forward(request: Request) -> Response:
        asked = request.url.hostname
        if host_name and asked in LOOPBACK_NAMES and asked != host_name:
            port = f":{request.url.port}" if request.url.port else ""
            return RedirectResponse(str(request.url.replace(netloc=f"{host_name}{port}")), 307)
        codec = request.url.path.startswith(CODEC_PREFIX)
        base = api_upstream if codec else ui_upstream
        # The path as sent: a workflow id with `/` in it arrives as `%2F` and must stay so.
        target = base + request.scope["raw_path"].decode("latin-1")
        if request.url.query:
            target += "?" + request.url.query
        outgoing = client.build_request(
            request.method,
            target,
            headers=[
                (name, value)
                for name, value in request.headers.raw
                if name.decode("latin-1").lower() not in _HOP_BY_HOP
            ],
            content=request.stream(),
        )
        try:
            answer = await client.send(outgoing, stream=True)
        except httpx.HTTPError as error:
            what = "Flowline's API" if codec else "the Temporal dev server's Web UI"
            return PlainTextResponse(f"{what} did not answer: {error}", status_code=502)
        response = StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            background=BackgroundTask(answer.aclose),
        )
        response.raw_headers = [
            (name, value)
            for name, value in answer.headers.raw
            if name.decode("latin-1").lower() not in _HOP_BY_HOP
        ]
        return response

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return Starlette(
        routes=[Route("/{path:path}", forward, methods=METHODS)],
        lifespan=lifespan,
    )
