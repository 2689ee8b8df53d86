"""Real HTTP servers on 127.0.0.1: one that records requests and answers from a script (the
benchmark's steps call it too), one that never answers."""

import asyncio
import json
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from testkit.eventually import eventually


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-request (a worker shut down or killed) is no news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class HttpTarget:
    """Answers 200 to any path and method unless told otherwise: `script(path, [503, 200])`
    makes the next requests to `path` answer those statuses. `start()`/`stop()`, or
    `with HttpTarget() as target:`. With `keep_alive`, connections are reused (HTTP/1.1), as a
    real API allows; without, each request has a connection of its own."""

    def __init__(self, keep_alive: bool = False) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, list[int]] = {}
        # Paths that answer 200 with a body of this many bytes, and how many of them got out.
        self._large: dict[str, int] = {}
        # Paths that answer with the body they were sent.
        self._echo: set[str] = set()
        # Paths whose requests wait for their gate before being answered.
        self._gates: dict[str, threading.Event] = {}
        self.bytes_sent: dict[str, int] = {}
        self._lock = threading.Lock()
        target = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if len(body) < length:
                    # The client died mid-request (a worker killed by a fault test): nothing
                    # complete arrived, so nothing was received.
                    self.close_connection = True
                    return
                with target._lock:
                    target.requests.append(
                        Received(self.command, self.path, dict(self.headers.items()), body)
                    )
                    script = target._scripts.get(self.path.split("?")[0], [])
                    status = script.pop(0) if script else 200
                    large = target._large.get(self.path.split("?")[0])
                    echo = self.path.split("?")[0] in target._echo
                gate = target._gates.get(self.path.split("?")[0])
                if gate is not None:
                    gate.wait(60)
                if large is not None:
                    self._send_large(large)
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                payload = body if echo else json.dumps({"status": status}).encode()
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _send_large(self, size: int) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                chunk, sent = b"x" * 65536, 0
                try:
                    while sent < size:
                        self.wfile.write(chunk[: size - sent])
                        sent += min(len(chunk), size - sent)
                        with target._lock:
                            target.bytes_sent[self.path] = sent
                except OSError:
                    self.close_connection = True  # the client stopped reading and hung up

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, statuses: list[int]) -> None:
        with self._lock:
            self._scripts[path] = list(statuses)

    def answer_large(self, path: str, size: int) -> None:
        """Requests to `path` get a 200 with `size` bytes of body."""
        with self._lock:
            self._large[path] = size

    def echo(self, path: str) -> None:
        """Requests to `path` get their own body back, whatever status they are answered."""
        with self._lock:
            self._echo.add(path)

    def hold(self, path: str) -> threading.Event:
        """Requests to `path` are received, then answered only once the event returned is set
        (or after a minute)."""
        gate = threading.Event()
        with self._lock:
            self._gates[path] = gate
        return gate

    def to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "HttpTarget":
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def wait_for(self, path: str, count: int, timeout: float = 30) -> list[Received]:
        """Until at least `count` requests to `path` arrived; returns them."""
        await eventually(
            lambda: len(self.to(path)) >= count,
            timeout,
            lambda: f"{count} request(s) to {path}, got {self.to(path)}",
            interval=0.05,
        )
        return self.to(path)


class HangingTarget:
    """An HTTP server on 127.0.0.1 that reads requests and never answers them.

    Runs on the test's event loop: `await start()`, `await stop()` (which hangs up on everyone).
    """

    def __init__(self) -> None:
        self.held = 0  # connections open now
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.held += 1
        self._writers.add(writer)
        try:
            while await reader.read(65536):
                pass  # read everything, answer nothing
        except OSError:
            pass
        finally:
            self.held -= 1
            self._writers.discard(writer)
            writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
