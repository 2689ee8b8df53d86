"""What the enrollment scenarios run against, each part as a user runs it: a private Temporal dev
server, `flowline api` and `flowline worker` (outbox dispatcher included) in processes of their
own on a fresh database, and the bare baseline's worker in a process of its own.

The SMTP capture and the HTTP target live in the benchmark's process (threads).
"""

import asyncio
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from bench import cpu
from bench.api_process import ApiProcess, api_process, child_process, flowline_command
from bench.cpu import CpuMeter
from bench.databases import engine_url, fresh_engine
from bench.dev_server import dev_server
from bench.measure import BenchFailed
from testkit.http_target import HttpTarget
from testkit.smtp import SmtpCapture


@dataclass(frozen=True)
class Server:
    address: str
    pid: int | None
    description: str
    client: Client


@asynccontextmanager
async def temporal_server(db_file: Path | None = None) -> AsyncIterator[Server]:
    async with dev_server(db_file) as (address, description):
        client = await Client.connect(address)
        yield Server(address, cpu.dev_server_pid(), description, client)


@dataclass(frozen=True)
class Flowline:
    engine: Engine  # the benchmark's own connection, for set-up and for reading progress
    api: ApiProcess
    worker_pid: int
    task_queue: str

    def cpu_meter(self, server: Server) -> CpuMeter:
        return CpuMeter(
            {
                "temporal server": server.pid,
                "flowline worker": self.worker_pid,
                "flowline api": self.api.pid,
            }
        )


@asynccontextmanager
async def flowline(
    server: Server,
    name: str,
    work_dir: Path,
    smtp: SmtpCapture,
    backend: str = "sqlite",
    postgresql_url: str | None = None,
) -> AsyncIterator[Flowline]:
    """A fresh database, then `flowline worker` and `flowline api` on it; stopped afterwards."""
    with fresh_engine(backend, postgresql_url, name) as engine:
        url = engine_url(engine)
        task_queue = f"bench-{name}"
        env = {
            **os.environ,
            "FLOWLINE_DATABASE_URL": url,
            "FLOWLINE_TEMPORAL_ADDRESS": server.address,
            "FLOWLINE_TASK_QUEUE": task_queue,
            "FLOWLINE_SECRET_KEY": secrets.token_urlsafe(32),
            "FLOWLINE_SMTP_HOST": "127.0.0.1",
            "FLOWLINE_SMTP_PORT": str(smtp.port),
            "FLOWLINE_HTTP_ALLOW_PRIVATE_NETWORKS": "true",
        }
        with (
            child_process(
                [*flowline_command(), "worker"], env, work_dir / f"{name}-worker.log"
            ) as worker,
            api_process(url, work_dir, server.address, env) as api,
        ):
            await _wait_for_poller(server, task_queue)
            yield Flowline(engine, api, worker.pid, task_queue)


@asynccontextmanager
async def bare_worker(
    server: Server, name: str, work_dir: Path, smtp: SmtpCapture
) -> AsyncIterator[tuple[str, int]]:
    """The bare worker process; yields its task queue and its pid."""
    task_queue = f"bench-bare-{name}"
    command = [sys.executable, "-m", "bench.bare_worker"]
    command += [server.address, task_queue, str(smtp.port)]
    log = work_dir / f"bare-{name}-worker.log"
    with child_process(command, dict(os.environ), log) as process:
        await _wait_for_poller(server, task_queue)
        yield task_queue, process.pid


async def _wait_for_poller(server: Server, task_queue: str, timeout: float = 60) -> None:
    """Until a worker polls the queue: no clock starts while a worker process is booting."""
    deadline = time.monotonic() + timeout
    while True:
        response = await server.client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=server.client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        if response.pollers:
            return
        if time.monotonic() > deadline:
            raise BenchFailed(f"no worker polls {task_queue} after {timeout:.0f}s (see its log)")
        await asyncio.sleep(0.2)


@contextmanager
def targets() -> Iterator[tuple[SmtpCapture, HttpTarget]]:
    with SmtpCapture() as smtp, HttpTarget(keep_alive=True) as http:
        yield smtp, http
