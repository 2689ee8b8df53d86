"""Request bodies of at most `MAX_BODY_BYTES`, refused with 413 before they are read.

The check sits in `receive`: a body is refused the moment someone starts to read it (after the
API key was checked), by its `Content-Length` when it has one, else by the bytes counted as they
stream in (chunked bodies). Nothing over the limit is ever held in memory or parsed.
"""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(HTTPException):
    # An HTTPException: FastAPI lets it through while reading the body (any other exception
    # there becomes a 400), and the one error renderer answers it.
    def __init__(self) -> None:
        super().__init__(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and declared > self.max_bytes:
                raise BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited_receive, send)
