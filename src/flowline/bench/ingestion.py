"""The ingestion scenario: the same batches through the HTTP API and through the service.

API path: `POST /v1/events/batch` on the real FastAPI app, in process (httpx.ASGITransport):
JSON parsing, validation of the events, the API-key check, the route, the transaction.
Service path: `apply_changes` inside `session_scope`, on events validated beforehand; the
difference between the two is the API's overhead.
"""

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from flowline.api.app import create_app
from flowline.core.database import session_scope
from flowline.core.models.events import Event
from flowline.core.models.outbox import OutboxIntent
from flowline.core.models.segments import SegmentMembership
from flowline.core.services.ingestion import EventIn, apply_changes
from flowline.core.settings import Settings

API = "api"
SERVICE = "service"
_KEY = "bench-admin-key"


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


async def _post_batches(engine: Engine, bodies: list[bytes], result: RunResult) -> None:
    app = create_app(Settings(bootstrap_admin_key=SecretStr(_KEY)), engine=engine)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {_KEY}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for body in bodies:
            started = time.perf_counter()
            response = await client.post("/v1/events/batch", content=body, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 202:
                raise RuntimeError(f"POST /v1/events/batch: {response.status_code} {response.text}")
            answer = response.json()
            result.batch_seconds.append(elapsed)
            result.accepted += answer["accepted"]
            result.duplicates += answer["duplicates"]


def run_api(engine: Engine, backend: str, batches: list[list[dict[str, Any]]]) -> RunResult:
    result = RunResult(backend, API, batch_sizes=[len(b) for b in batches])
    result.memberships_before = count_rows(engine, SegmentMembership)
    bodies = [json.dumps({"events": batch}).encode() for batch in batches]
    asyncio.run(_post_batches(engine, bodies, result))
    _finish(engine, result)
    return result


def run_service(
    engine: Engine,
    backend: str,
    batches: list[list[dict[str, Any]]],
    around: Callable[[Callable[[], None]], None] | None = None,
) -> RunResult:
    """`around`, when given, wraps each timed batch (the profiler hooks in there)."""
    result = RunResult(backend, SERVICE, batch_sizes=[len(b) for b in batches])
    result.memberships_before = count_rows(engine, SegmentMembership)
    parsed = [[EventIn.model_validate(e) for e in batch] for batch in batches]
    for events in parsed:

        def one_batch(events: list[EventIn] = events) -> None:
            with session_scope(engine) as session:
                outcome = apply_changes(session, events=events)
            result.accepted += outcome.accepted
            result.duplicates += outcome.duplicates

        started = time.perf_counter()
        if around is None:
            one_batch()
        else:
            around(one_batch)
        result.batch_seconds.append(time.perf_counter() - started)
    _finish(engine, result)
    return result


def _finish(engine: Engine, result: RunResult) -> None:
    result.events_stored = count_rows(engine, Event)
    result.outbox_intents = count_rows(engine, OutboxIntent)
    result.memberships_after = count_rows(engine, SegmentMembership)
