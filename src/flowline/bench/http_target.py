"""The HTTP server the benchmark's steps call: 127.0.0.1, any path, always 200 (keep-alive)."""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: connections are reused, as a real API allows
    server: "BenchHttpTarget"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        payload = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.server.count()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

    def log_message(self, *args: Any) -> None:
        pass


class BenchHttpTarget(ThreadingHTTPServer):
    """`with BenchHttpTarget() as target:` serves in a thread; `target.requests` counts POSTs."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def count(self) -> None:
        with self._lock:
            self.requests += 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-request (a worker shut down on a timeout) is no news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def __enter__(self) -> "BenchHttpTarget":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.shutdown()
        self.server_close()
