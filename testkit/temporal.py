"""Private Temporal dev servers, from the Temporal CLI installed in the venv, with Flowline's
search attributes: the one the tests share and the benchmark's (in memory, or on a file), and
one as `flowline dev` runs it (the product's own `temporal_process`), to stop and start again.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from unittest import mock

from temporalio.testing import WorkflowEnvironment

from flowline.core.settings import Settings
from flowline.definitions.enrollment import SEARCH_ATTRIBUTES
from flowline.devserver import temporal_process
from flowline.devserver.temporal_process import TemporalDevServer, find_temporal_binary
from testkit.ports import free_port


@asynccontextmanager
async def dev_server(db_file: Path | None = None) -> AsyncIterator[WorkflowEnvironment]:
    """A headless dev server in memory, or on `db_file` (SQLite in WAL mode, as `flowline dev`
    runs it); shut down on the way out. Its address: `address_of(env)`."""
    args = ["--headless", "--log-level", "error"]
    if db_file is not None:
        args += ["--db-filename", str(db_file)]
        args += ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_temporal_binary()),
        search_attributes=list(SEARCH_ATTRIBUTES),
        dev_server_extra_args=args,
        ip="127.0.0.1",
    )
    try:
        yield env
    finally:
        await env.shutdown()


def address_of(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


@asynccontextmanager
async def restartable_dev_server(data_dir: Path) -> AsyncIterator[TemporalDevServer]:
    """A dev server of our own exactly as `flowline dev` starts it (SQLite file in `data_dir`),
    headless; `stop()` and `start()` it for an outage. Stopped on the way out."""
    build = temporal_process.dev_server_command
    settings = Settings(
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_url=f"http://127.0.0.1:{free_port()}",  # unused: --headless
    )
    server = TemporalDevServer(settings)
    with mock.patch.object(
        temporal_process,
        "dev_server_command",
        lambda binary, settings: [*build(binary, settings), "--headless"],
    ):
        server.start()
        try:
            await server.wait_until_ready()
            yield server
        finally:
            await server.stop()
