"""Calling the app as the server does, to see how much of a body it reads, and in what order."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from tests.support.flowline_harness import ADMIN_KEY


@dataclass
class RawExchange:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    bytes_read: int = 0
    log: list[str] = field(default_factory=list)  # "response started", in order with others


async def call(
    app: FastAPI,
    method: str,
    path: str,
    chunks: Iterator[bytes],
    *,
    content_length: int | None = None,
    key: str | None = ADMIN_KEY,
    log: list[str] | None = None,
) -> RawExchange:
    """Send a body chunk by chunk, counting the bytes the app asks for.

    `log` gets "response started" when it does, after whatever else the test wrote there.
    """
    exchange = RawExchange(log=log if log is not None else [])
    headers = [(b"content-type", b"application/json")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    if key is not None:
        headers.append((b"authorization", f"Bearer {key}".encode()))
    pending = iter(chunks)
    upcoming = next(pending, None)

    async def receive() -> dict[str, Any]:
        nonlocal upcoming
        if upcoming is None:
            return {"type": "http.disconnect"}
        chunk, upcoming = upcoming, next(pending, None)
        exchange.bytes_read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": upcoming is not None}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            exchange.status = message["status"]
            exchange.headers = {k.decode(): v.decode() for k, v in message["headers"]}
            exchange.log.append("response started")
        elif message["type"] == "http.response.body":
            exchange.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("flowline.test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return exchange
