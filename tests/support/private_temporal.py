"""A Temporal dev server of a test's own (to stop and start again: an outage); waiting helpers."""

import asyncio
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.client import Client

from flowline.core.settings import Settings
from flowline.devserver import temporal_process
from flowline.devserver.temporal_process import TemporalDevServer
from tests.support.flowline_harness import Flowline


@dataclass
class Outage:
    """Flowline on a server of the test's own (fixture `outage`), to stop and start again."""

    server: TemporalDevServer
    flowline: Flowline


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        await asyncio.sleep(0.1)


async def runs_per_id(client: Client, query: str) -> Counter[str]:
    """How many Temporal runs (open or closed) each workflow id has, as visibility sees them."""
    return Counter([execution.id async for execution in client.list_workflows(query)])


@asynccontextmanager
async def private_dev_server(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TemporalDevServer]:
    """A persistent dev server of our own (SQLite file in `data_dir`), as `flowline dev` runs it."""
    build = temporal_process.dev_server_command
    monkeypatch.setattr(
        temporal_process,
        "dev_server_command",
        lambda binary, settings: [*build(binary, settings), "--headless"],
    )
    settings = Settings(
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_url=f"http://127.0.0.1:{free_port()}",  # unused: --headless
    )
    server = TemporalDevServer(settings)
    server.start()
    try:
        await server.wait_until_ready()
        yield server
    finally:
        await server.stop()
