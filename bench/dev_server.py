"""The private Temporal dev server the enrollment benchmark starts (testkit's, with Flowline's
search attributes): in memory, or on a file for the 100,000-waiting scenario (the in-memory
database failed with SQLite "out of memory (7)" at ~97,000 open workflows)."""

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from flowline.devserver.temporal_process import find_temporal_binary
from testkit import temporal


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
    async with temporal.dev_server(db_file) as env:
        address = temporal.address_of(env)
        where = "in memory (no --db-filename)" if db_file is None else f"on {db_file.name}"
        version = cli_version(find_temporal_binary())
        yield address, f"Temporal: one private dev server at {address}, {where}: {version}"
