"""Schemathesis over the whole OpenAPI document finds nothing (DESIGN §8).

A real `flowline api` process on 127.0.0.1, the real database and a real Temporal dev server;
every operation with the admin key, every check but `positive_data_acceptance` (a workflow naming
a segment that does not exist is rightly a 422), the stateful phase included.

`FLOWLINE_FUZZ_EXAMPLES` and `FLOWLINE_FUZZ_SEED` run it deeper or with another seed by hand.
"""

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from testkit.eventually import eventually_sync
from testkit.ports import free_port
from tests.support.flowline_harness import ADMIN_KEY, terminate_leftovers

BIN = Path(sys.executable).parent
CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = os.environ.get("FLOWLINE_FUZZ_EXAMPLES", "15")
SEED = os.environ.get("FLOWLINE_FUZZ_SEED", "6")
SUMMARY = re.compile(r"^=+ (?P<text>.*\bin [\d.]+s) =+$", re.MULTILINE)


@pytest.fixture
def api_server(
    engine: Engine, dev_server: WorkflowEnvironment, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """`flowline api` on a free port; yields its URL and the task queue it starts enrollments on."""
    port = free_port()
    task_queue = f"fuzz-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "FLOWLINE_DATA_DIR": str(tmp_path),
        "FLOWLINE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FLOWLINE_TEMPORAL_ADDRESS": dev_server.client.service_client.config.target_host,
        "FLOWLINE_TASK_QUEUE": task_queue,
        "FLOWLINE_API_HOST": "127.0.0.1",
        "FLOWLINE_API_PORT": str(port),
        "FLOWLINE_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "FLOWLINE_SECRET_KEY": "fuzz-secret-key",
    }
    log = (tmp_path / "api.log").open("w")
    process = subprocess.Popen([str(BIN / "flowline"), "api"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            assert process.poll() is None, (tmp_path / "api.log").read_text()
            try:
                return httpx.get(f"{url}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        eventually_sync(healthy, 60, "the API answering /health")
        yield url, task_queue
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.mark.slow
async def test_schemathesis_finds_no_failure_in_any_operation(
    api_server: tuple[str, str],
    dev_server: WorkflowEnvironment,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, task_queue = api_server
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: Bearer {ADMIN_KEY}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        # Strings the document rules out (its description): no lone surrogate, no U+0000.
        "--generation-codec",
        "utf-8",
        "--generation-allow-x00",
        "false",
        "--generation-database",
        "none",
        "--no-color",
    ]
    started = time.monotonic()
    # cwd: schemathesis may leave reports behind; not in the repository.
    run = await asyncio.to_thread(
        subprocess.run, command, cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    await terminate_leftovers(dev_server.client, task_queue)

    output = run.stdout + run.stderr
    (tmp_path / "schemathesis.txt").write_text(output)
    found = SUMMARY.findall(output)
    summary = found[-1] if found else "(no summary line)"
    with capsys.disabled():
        print(
            f"\nschemathesis ({EXAMPLES} examples, seed {SEED}, "
            f"{time.monotonic() - started:.0f} s): {summary}"
        )
    assert run.returncode == 0 and found, output[-20_000:]
    assert not re.search(r"\b(failure|error)s?\b", summary), output[-20_000:]
