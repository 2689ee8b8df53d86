"""CORS for the codec endpoints only: the Temporal Web UI calls them from the browser.

The rest of the API stays same-origin; the Web UI's origin gets credentials (the admin's session
cookie) and its `X-Namespace` header on `/codec/*`, nothing else.
"""

from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

CODEC_PATH = "/codec/"
_LOOPBACK_NAMES = ("localhost", "127.0.0.1")


def web_ui_origins(temporal_ui_url: str) -> list[str]:
    """The Web UI's origin; on loopback, under both names a browser may have been given."""
    parts = urlsplit(temporal_ui_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.hostname not in _LOOPBACK_NAMES:
        return [origin]
    port = f":{parts.port}" if parts.port else ""
    return [f"{parts.scheme}://{name}{port}" for name in _LOOPBACK_NAMES]


class CodecCors:
    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_credentials=True,
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CODEC_PATH):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
