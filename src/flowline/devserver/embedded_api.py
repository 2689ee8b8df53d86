"""uvicorn running inside `flowline dev`'s event loop, next to the worker."""

import asyncio
import contextlib
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import uvicorn
from uvicorn.lifespan.on import LifespanOn

from flowline.devserver.errors import DevServerError

STOP_GRACE = 10.0


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its host process, which stops things in order."""

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def embedded_server(
    app: Any,
    host: str,
    port: int,
    log_config: dict[str, Any] | None,
    log_level: str = "info",
) -> EmbeddedServer:
    return EmbeddedServer(
        uvicorn.Config(
            app, host=host, port=port, log_level=log_level, lifespan="on", log_config=log_config
        )
    )


async def serve(server: EmbeddedServer) -> None:
    try:
        await server.serve()
    except SystemExit as exit_:  # uvicorn exits the process when it cannot bind; we must not
        raise DevServerError("the API server could not start (see the log above)") from exit_


async def wait_started(server: EmbeddedServer, task: asyncio.Task[None]) -> None:
    """Until uvicorn listens; raises when it gave up instead (e.g. the app's startup failed)."""
    while not server.started:
        if task.done():
            task.result()
            raise DevServerError("the API server did not start (see the log above)")
        await asyncio.sleep(0.05)


async def stop(server: EmbeddedServer, task: asyncio.Task[None]) -> None:
    """Graceful shutdown (open requests finish, lifespan shutdown runs), bounded in time."""
    server.should_exit = True
    await asyncio.wait({task}, timeout=STOP_GRACE)
    if not task.done():  # a slow client or an open stream holds it: drop the connections
        server.force_exit = True
        await asyncio.wait({task}, timeout=STOP_GRACE / 2)
    if not task.done():
        task.cancel()
        await asyncio.wait({task})
        return
    lifespan = getattr(server, "lifespan", None)
    if isinstance(lifespan, LifespanOn) and not lifespan.shutdown_event.is_set():
        # Forcing skipped the app's own shutdown; run it anyway so its clients close cleanly.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lifespan.shutdown(), timeout=STOP_GRACE / 2)
