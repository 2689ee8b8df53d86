"""Flowline as separate processes for fault tests: Temporal, APIs and workers, each killable.

The test talks to Flowline only as a client would (HTTP to the API), to Temporal with its own
client (to see what the server holds), and to the SMTP and HTTP servers it runs itself.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
from sqlalchemy import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from flowline.core.database import make_engine, migrate
from flowline.core.settings import Settings
from flowline.definitions.enrollment import enrollment_workflow_id
from testkit.eventually import eventually
from testkit.http_target import HttpTarget
from testkit.smtp import SmtpCapture
from tests.support.flowline_harness import ADMIN_KEY, ENDED, Flowline
from tests.support.processes import (
    FlowlineApi,
    FlowlineWorker,
    Processes,
    TemporalServer,
    flowline_env,
    setting_vars,
)

T = TypeVar("T")

# Long enough for a restart on a loaded machine plus the retry of an activity whose worker died:
# Temporal retries an email or HTTP step after its heartbeat timeout (15 s), a bookkeeping
# activity after its start-to-close timeout (75 s).
SETTLE_TIMEOUT = 180.0


@dataclass
class FaultStack:
    processes: Processes
    temporal: TemporalServer
    temporal_client: Client
    env: dict[str, str]
    engine: Engine
    mailbox: SmtpCapture
    http_target: HttpTarget
    apis: list[FlowlineApi] = field(default_factory=list)
    workers: list[FlowlineWorker] = field(default_factory=list)
    clients: list[Flowline] = field(default_factory=list)

    @property
    def flowline(self) -> Flowline:
        """API calls through the first API process."""
        return self.clients[0]

    def start_api(self, name: str) -> FlowlineApi:
        api = self.processes.api(self.env, name)
        self.apis.append(api)
        client = httpx.AsyncClient(
            base_url=api.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30
        )
        # The harness's API calls, made over HTTP to this process instead of in-process.
        flowline = Flowline(
            Settings(), self.engine, self.temporal_client, client, self.mailbox, self.http_target
        )
        self.clients.append(flowline)
        return api

    def start_worker(self, name: str, **settings: object) -> FlowlineWorker:
        """A worker process; `settings` override the stack's (e.g. `dispatcher=False`)."""
        worker = self.processes.worker(self.env | setting_vars(settings), name)
        self.workers.append(worker)
        return worker

    async def restart(self, process: FlowlineApi | FlowlineWorker) -> None:
        """Start a killed API or worker again, at the same address, and wait until it serves."""
        process.start()
        await self.ready(process)

    async def ready(self, process: FlowlineApi | FlowlineWorker) -> None:
        if isinstance(process, FlowlineWorker):
            await process.wait_ready(self.temporal_client)
        else:
            await process.wait_ready()

    async def restart_temporal(self) -> None:
        """Start the killed Temporal server on the same file and port; wait until it answers."""
        self.temporal.start()
        await self.temporal.wait_ready()

    async def all_ended(
        self, workflow_id: int, count: int, timeout: float = SETTLE_TIMEOUT
    ) -> list[dict[str, Any]]:
        """Wait until the workflow has `count` enrollments, all ended; each with its deliveries."""

        seen: list[dict[str, Any]] = []

        async def ended() -> list[dict[str, Any]] | None:
            seen[:] = await self.flowline.enrollments_of(workflow_id)
            if len(seen) < count or any(e["status"] not in ENDED for e in seen):
                return None
            return [await self.flowline.enrollment(e["id"]) for e in seen]

        def what() -> str:
            statuses = sorted((e["profile_id"], e["status"]) for e in seen)
            return f"{count} ended enrollments of workflow {workflow_id}, have {statuses}"

        return await eventually(ended, timeout, what, interval=0.25)

    async def all_waiting(self, workflow_id: int, profiles: list[str]) -> None:
        """Wait until each profile's enrollment waits on a timer (Temporal's history says so)."""
        for profile in profiles:
            temporal_id = enrollment_workflow_id(workflow_id, profile)
            await eventually(
                lambda id=temporal_id: self.waiting_on_a_timer(id),
                timeout=60,
                what=lambda id=temporal_id: f"{id} to wait on its timer",
            )

    async def sent_deliveries(self, workflow_id: int) -> set[tuple[str, int]]:
        """(profile, step index) of every delivery the database records as sent."""
        sent = set()
        for listed in await self.flowline.enrollments_of(workflow_id):
            enrollment = await self.flowline.enrollment(listed["id"])
            for delivery in enrollment["deliveries"]:
                if delivery["status"] == "sent":
                    sent.add((enrollment["profile_id"], delivery["step_index"]))
        return sent

    async def waiting_on_a_timer(self, temporal_workflow_id: str) -> bool:
        """Whether the enrollment's history shows a timer started and not yet fired."""
        handle = self.temporal_client.get_workflow_handle(temporal_workflow_id)
        started: set[int] = set()
        try:
            async for event in handle.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
                    started.add(event.event_id)
                elif event.event_type == EventType.EVENT_TYPE_TIMER_FIRED:
                    started.discard(event.timer_fired_event_attributes.started_event_id)
        except RPCError as error:
            if not not_started_yet(error):
                raise
        return bool(started)

    async def pending_activities(self, temporal_workflow_id: str) -> list[PendingActivityInfo]:
        """What the enrollment's activities look like on the server (none before it starts)."""
        handle = self.temporal_client.get_workflow_handle(temporal_workflow_id)
        try:
            return list((await handle.describe()).raw_description.pending_activities)
        except RPCError as error:
            if not not_started_yet(error):
                raise
            return []


def not_started_yet(error: RPCError) -> bool:
    """Temporal does not know the enrollment: the outbox has not started it (yet)."""
    return error.status == RPCStatusCode.NOT_FOUND


@asynccontextmanager
async def fault_stack(
    processes: Processes,
    tmp_path: Path,
    mailbox: SmtpCapture,
    http_target: HttpTarget,
    *,
    database_url: str | None = None,
    apis: int = 1,
    workers: int = 1,
    **settings: object,
) -> AsyncIterator[FaultStack]:
    """Temporal on a file in tmp_path, then `apis` API and `workers` worker processes;
    `settings` override the stack's (e.g. `log_format="json"`)."""
    temporal = processes.temporal(tmp_path)
    database_url = database_url or f"sqlite:///{tmp_path / 'flowline.db'}"
    engine = make_engine(database_url)
    # Migrated once here: processes starting side by side would race to create the tables.
    await asyncio.to_thread(migrate, engine)
    env = flowline_env(
        {
            "data_dir": tmp_path / "data",
            "database_url": database_url,
            "temporal_address": temporal.address,
            "task_queue": f"faults-{uuid.uuid4().hex[:12]}",
            "secret_key": "test-secret-key",
            "bootstrap_admin_key": ADMIN_KEY,
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox.port,
            "http_allow_private_networks": True,
            "http_initial_retry_seconds": 0.2,
            "http_max_retry_seconds": 1.0,
            **settings,
        }
    )
    await temporal.wait_ready()
    stack = FaultStack(
        processes, temporal, await temporal.connect(), env, engine, mailbox, http_target
    )
    try:
        for index in range(apis):
            stack.start_api(f"api-{index + 1}")
        for index in range(workers):
            stack.start_worker(f"worker-{index + 1}")
        await asyncio.gather(*(stack.ready(p) for p in [*stack.apis, *stack.workers]))
        yield stack
    finally:
        processes.kill_all()
        for client in stack.clients:
            await client.api.aclose()
        engine.dispose()


class Launch(Protocol):
    def __call__(
        self,
        *,
        database_url: str | None = None,
        apis: int = 1,
        workers: int = 1,
        **settings: object,
    ) -> AbstractAsyncContextManager[FaultStack]: ...
