"""Private Temporal dev servers, from the Temporal CLI installed in the venv, with Flowline's
search attributes. The one the tests share and the benchmark's start through the SDK's launcher
(in memory, or on a file); a server to stop, kill and start again runs the product's own command
line (`flowline.devserver.temporal_process`), headless, as `flowline dev` does.
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


# The product's own command line, kept before `restartable_dev_server` patches it.
_flowline_dev_command = temporal_process.dev_server_command


def flowline_dev_settings(data_dir: Path, port: int | None = None) -> Settings:
    """Settings for a dev server on `data_dir/temporal.db`, at `port` (a free one if None)."""
    return Settings(
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{port or free_port()}",
        temporal_ui_url=f"http://127.0.0.1:{free_port()}",  # unused: --headless
    )


def headless_command(settings: Settings) -> list[str]:
    """The command line `flowline dev` starts Temporal with, without its Web UI."""
    return [*_flowline_dev_command(find_temporal_binary(), settings, free_port()), "--headless"]


@asynccontextmanager
async def restartable_dev_server(data_dir: Path) -> AsyncIterator[TemporalDevServer]:
    """A dev server of our own exactly as `flowline dev` starts it (the product's
    `TemporalDevServer`, SQLite file in `data_dir`), headless; `stop()` and `start()` it for an
    outage. Stopped on the way out."""
    server = TemporalDevServer(flowline_dev_settings(data_dir), free_port())
    with mock.patch.object(
        temporal_process,
        "dev_server_command",
        lambda binary, settings, ui_port: headless_command(settings),
    ):
        server.start()
        try:
            await server.wait_until_ready()
            yield server
        finally:
            await server.stop()
