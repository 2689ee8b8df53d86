"""Flowline assembled for a test, plus the few calls every scenario makes through the API."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from flowline.app import create_app
from flowline.core.services.outbox.dispatch_jobs import run_dispatcher
from flowline.core.services.outbox.intents import pending_count
from flowline.core.settings import Settings
from flowline.core.temporal import connect
from flowline.worker.main import build_workers
from testkit.eventually import eventually
from testkit.http_target import HttpTarget
from testkit.smtp import SmtpCapture
from tests.support.profile_ids import profile_path

# The shortest step: a workflow needs one, and a test that needs no other step waits 1 ms.
A_MOMENT = {"type": "wait", "duration": "PT0.001S"}
ADMIN_KEY = "test-admin-key"
ENDED = ("completed", "converted", "exited", "failed")


@dataclass
class Flowline:
    settings: Settings
    engine: Engine
    temporal: Client
    api: httpx.AsyncClient
    mailbox: SmtpCapture
    http_target: HttpTarget

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.api.post(path, json=body, **kwargs)

    async def campaign(self, **fields: Any) -> dict[str, Any]:
        body = {
            "name": "Welcome #1",
            "subject": "Welcome, {{ first_name }}!",
            "html": "<p>Hello {{ first_name }}, see you in {{ city }}.</p>",
            "text": "Hello {{ first_name }}, see you in {{ city }}.",
            "from_email": "hello@flowline.test",
            "status": "active",
            **fields,
        }
        response = await self.post("/v1/campaigns", body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def workflow(self, **fields: Any) -> dict[str, Any]:
        body = {
            "name": "Welcome series",
            "trigger": {"type": "event", "event": "registered"},
            "consent_property": None,
            "steps": [A_MOMENT],
            **fields,
        }
        response = await self.post("/v1/workflows", body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def profile(self, profile_id: str, **properties: Any) -> dict[str, Any]:
        """Upsert a profile; the answer is `{id, updated_at}` (GET it for the rest)."""
        response = await self.api.put(profile_path(profile_id), json={"properties": properties})
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def enroll(self, workflow_id: int, profile_id: str, **extra: Any) -> httpx.Response:
        return await self.post(
            f"/v1/workflows/{workflow_id}/enrollments", {"profile_id": profile_id, **extra}
        )

    async def enrollment(self, enrollment_id: int) -> dict[str, Any]:
        response = await self.api.get(f"/v1/enrollments/{enrollment_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def event(self, profile_id: str, name: str, **fields: Any) -> dict[str, Any]:
        response = await self.post("/v1/events", {"profile_id": profile_id, "name": name, **fields})
        assert response.status_code == 202, response.text
        return dict(response.json())

    async def segment(self, rule: dict[str, Any], name: str = "Segment") -> dict[str, Any]:
        response = await self.post("/v1/segments", {"name": name, "rule": rule})
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def enrollments_of(self, workflow_id: int) -> list[dict[str, Any]]:
        response = await self.api.get(f"/v1/workflows/{workflow_id}/enrollments?limit=500")
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def settled(self, timeout: float = 30) -> None:
        """Wait until the outbox has handed every intent to Temporal."""
        pending = 0

        async def drained() -> bool:
            nonlocal pending
            pending = await asyncio.to_thread(self._pending_intents)
            return not pending

        await eventually(drained, timeout, lambda: f"the outbox drained ({pending} pending)", 0.05)

    def _pending_intents(self) -> int:
        with Session(self.engine) as session:
            return pending_count(session)

    async def ended(self, enrollment_id: int, timeout: float = 30) -> dict[str, Any]:
        """Wait until the enrollment has ended (as the database records it)."""
        found: dict[str, Any] = {}

        async def ended() -> dict[str, Any] | None:
            found.update(await self.enrollment(enrollment_id))
            return dict(found) if found["status"] in ENDED else None

        return await eventually(ended, timeout, lambda: f"the enrollment ended: {found}")


@asynccontextmanager
async def running_flowline(
    *,
    engine: Engine,
    temporal_address: str,
    mailbox: SmtpCapture,
    http_target: HttpTarget,
    data_dir: Path,
    task_queue: str,
    end_leftovers: bool = True,
    **overrides: Any,
) -> AsyncIterator[Flowline]:
    """`end_leftovers=False` leaves running enrollments for a later worker (restart tests)."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": engine.url.render_as_string(hide_password=False),
        "temporal_address": temporal_address,
        "task_queue": task_queue,
        "smtp_host": "127.0.0.1",
        "smtp_port": mailbox.port,
        "http_allow_private_networks": True,
        "http_initial_retry_seconds": 0.2,
        "http_max_retry_seconds": 1.0,
        "http_max_attempts": 3,
        "bootstrap_admin_key": ADMIN_KEY,
        "secret_key": "test-secret-key",
    }
    settings = Settings(**{**values, **overrides})
    temporal = await connect(settings)
    app = create_app(settings, engine=engine, temporal_client=temporal)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(follow_redirects=False) as http_client,
        httpx.AsyncClient(
            transport=transport,
            base_url="http://flowline.test",
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        ) as api,
    ):
        workers = build_workers(temporal, settings, engine, http_client)
        tasks = [asyncio.create_task(worker.run()) for worker in workers]
        dispatcher = asyncio.create_task(
            run_dispatcher(engine, temporal, settings, idle=0.05)
            if settings.dispatcher
            else asyncio.sleep(0)
        )
        try:
            yield Flowline(settings, engine, temporal, api, mailbox, http_target)
        finally:
            dispatcher.cancel()
            if end_leftovers:
                await terminate_leftovers(temporal, task_queue)
            await asyncio.gather(*(worker.shutdown() for worker in workers))
            await asyncio.gather(*tasks, dispatcher, return_exceptions=True)


async def terminate_leftovers(temporal: Client, task_queue: str) -> None:
    """End this test's open executions: the same test on the other backend gets the same
    database ids, hence workflow ids (`enroll:1:p-1`), and must not attach to a run left on this
    test's queue."""
    query = f"TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'"
    async for execution in temporal.list_workflows(query):
        handle = temporal.get_workflow_handle(execution.id, run_id=execution.run_id)
        with contextlib.suppress(Exception):
            await handle.terminate("test finished")
