"""The ingestion scenario: the same batches through the HTTP API and through the service.

API path: `POST /v1/events/batch` to `flowline api` (uvicorn, a process of its own) over HTTP
on 127.0.0.1: JSON parsing, validation of the events, the API-key check, the route, the
transaction.
Service path: `apply_changes` inside `session_scope`, on events validated beforehand; the
difference between the two is the API's overhead.

Each path writes to a database of its own, and the two alternate batch by batch (API first on
even batches, service first on odd ones): a busy machine slows both alike, so the difference
stays visible.
"""

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bench.api_process import ApiProcess
from flowline.core.database import session_scope
from flowline.core.models.event_schemas import EventIn
from flowline.core.models.events import Event
from flowline.core.models.outbox import OutboxIntent
from flowline.core.models.segments import SegmentMembership
from flowline.core.services.ingestion.changes import apply_changes

API = "api"
SERVICE = "service"

Around = Callable[[Callable[[], None]], None]
"""Wraps one timed batch of the service path (the profiler hooks in there)."""


@dataclass
class RunResult:
    backend: str
    path: str
    batch_seconds: list[float] = field(default_factory=list)
    batch_sizes: list[int] = field(default_factory=list)
    accepted: int = 0
    duplicates: int = 0
    events_stored: int = 0
    outbox_intents: int = 0
    memberships_before: int = 0
    memberships_after: int = 0


def count_rows(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


class ApiPath:
    """Posts batches to the API process; `body` is the JSON, encoded before the clock starts."""

    def __init__(self, api: ApiProcess, result: RunResult) -> None:
        self._client = httpx.AsyncClient(base_url=api.url, timeout=120)
        self._headers = {**api.headers, "Content-Type": "application/json"}
        self.result = result

    async def post(self, body: bytes) -> None:
        started = time.perf_counter()
        response = await self._client.post("/v1/events/batch", content=body, headers=self._headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 202:
            raise RuntimeError(f"POST /v1/events/batch: {response.status_code} {response.text}")
        answer = response.json()
        self.result.batch_seconds.append(elapsed)
        self.result.accepted += answer["accepted"]
        self.result.duplicates += answer["duplicates"]

    async def close(self) -> None:
        await self._client.aclose()


class ServicePath:
    def __init__(self, engine: Engine, result: RunResult, around: Around | None = None) -> None:
        self._engine = engine
        self._around = around
        self.result = result

    def ingest(self, events: list[EventIn]) -> None:
        def one_batch() -> None:
            with session_scope(self._engine) as session:
                outcome = apply_changes(session, events=events)
            self.result.accepted += outcome.accepted
            self.result.duplicates += outcome.duplicates

        started = time.perf_counter()
        if self._around is None:
            one_batch()
        else:
            self._around(one_batch)
        self.result.batch_seconds.append(time.perf_counter() - started)


def _start(
    engine: Engine, backend: str, path: str, batches: list[list[dict[str, Any]]]
) -> RunResult:
    result = RunResult(backend, path, batch_sizes=[len(b) for b in batches])
    result.memberships_before = count_rows(engine, SegmentMembership)
    return result


def _finish(engine: Engine, result: RunResult) -> RunResult:
    result.events_stored = count_rows(engine, Event)
    result.outbox_intents = count_rows(engine, OutboxIntent)
    result.memberships_after = count_rows(engine, SegmentMembership)
    return result


def run_both(
    api_engine: Engine,
    api_process: ApiProcess,
    service_engine: Engine,
    backend: str,
    batches: list[list[dict[str, Any]]],
) -> tuple[RunResult, RunResult]:
    """The API path and the service path, alternating batch by batch."""
    bodies = [json.dumps({"events": batch}).encode() for batch in batches]
    parsed = [[EventIn.model_validate(e) for e in batch] for batch in batches]

    async def alternate() -> tuple[RunResult, RunResult]:
        api = ApiPath(api_process, _start(api_engine, backend, API, batches))
        service = ServicePath(service_engine, _start(service_engine, backend, SERVICE, batches))
        try:
            for number, (body, events) in enumerate(zip(bodies, parsed, strict=True)):
                if number % 2 == 0:
                    await api.post(body)
                    service.ingest(events)
                else:
                    service.ingest(events)
                    await api.post(body)
        finally:
            await api.close()
        return _finish(api_engine, api.result), _finish(service_engine, service.result)

    return asyncio.run(alternate())


def run_service(
    engine: Engine, backend: str, batches: list[list[dict[str, Any]]], around: Around
) -> RunResult:
    """The service path alone (under the profiler)."""
    service = ServicePath(engine, _start(engine, backend, SERVICE, batches), around)
    for batch in batches:
        service.ingest([EventIn.model_validate(e) for e in batch])
    return _finish(engine, service.result)
