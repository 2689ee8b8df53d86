"""A real HTTP server on 127.0.0.1 that records requests and answers from a script."""

import asyncio
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpTarget:
    """`script(path, [503, 200])` makes the next requests to `path` answer those statuses."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, list[int]] = {}
        # Paths that answer 200 with a body of this many bytes, and how many of them got out.
        self._large: dict[str, int] = {}
        # Paths that answer with the body they were sent.
        self._echo: set[str] = set()
        self.bytes_sent: dict[str, int] = {}
        self._lock = threading.Lock()
        target = self

        class Handler(BaseHTTPRequestHandler):
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

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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

    def to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    async def wait_for(self, path: str, count: int, timeout: float = 30) -> list[Received]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.to(path)) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} request(s) to {path}, got {self.to(path)}")
            await asyncio.sleep(0.05)
        return self.to(path)
