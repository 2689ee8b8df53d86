"""The API as a user runs it: `flowline api` (uvicorn) in a process of its own on 127.0.0.1,
reached over HTTP with httpx. Its log goes to a file beside the benchmark's data."""

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.measure import BenchFailed
from testkit.ports import free_port

ADMIN_KEY = "bench-admin-key"
READY_SECONDS = 60.0


@dataclass(frozen=True)
class ApiProcess:
    url: str
    pid: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_KEY}"}

    def client(self, **options: object) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers=self.headers, **options)  # type: ignore[arg-type]


def flowline_command() -> list[str]:
    return [str(Path(sys.executable).parent / "flowline")]


@contextmanager
def api_process(
    database_url: str,
    log_dir: Path,
    temporal_address: str | None = None,
    base_env: dict[str, str] | None = None,
) -> Iterator[ApiProcess]:
    """Start `flowline api` on a free port; stopped (SIGTERM, then SIGKILL) on the way out."""
    port = free_port()
    env = {
        **(base_env or os.environ),
        "FLOWLINE_DATABASE_URL": database_url,
        "FLOWLINE_API_HOST": "127.0.0.1",
        "FLOWLINE_API_PORT": str(port),
        "FLOWLINE_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "FLOWLINE_SECRET_KEY": secrets.token_urlsafe(32),
        # No Temporal needed for ingestion and stats: a port nothing listens on.
        "FLOWLINE_TEMPORAL_ADDRESS": temporal_address or f"127.0.0.1:{free_port()}",
    }
    url = f"http://127.0.0.1:{port}"
    with child_process([*flowline_command(), "api"], env, log_dir / f"api-{port}.log") as process:
        _wait_ready(url, process)
        yield ApiProcess(url, process.pid)


@contextmanager
def child_process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator["subprocess.Popen[bytes]"]:
    """A process of ours, its output to `log`; stopped (SIGTERM, then SIGKILL) on the way out."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchFailed(f"flowline api exited with {process.returncode} (see its log)")
        try:
            if httpx.get(f"{url}/v1/workflows?limit=1", headers=_auth(), timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise BenchFailed(f"flowline api at {url} not ready after {READY_SECONDS:.0f}s")


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}
