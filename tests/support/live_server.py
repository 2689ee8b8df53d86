"""An ASGI app under uvicorn on 127.0.0.1: requests cross a real socket and uvicorn's decoding."""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from testkit.eventually import eventually

START_TIMEOUT = 30.0  # a ceiling for a loaded machine, not a wait


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port until the block ends; yields its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    serving_task = asyncio.create_task(server.serve(sockets=[listener]))

    def started() -> bool:
        assert not serving_task.done(), "uvicorn did not start"
        return server.started

    try:
        await eventually(started, START_TIMEOUT, "uvicorn started", interval=0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving_task
        listener.close()
