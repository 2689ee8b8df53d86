"""The Flowline side of the enrollment benchmark.

A workflow with an event trigger and the steps [http_call, wait PT1S]; one batch of N events (one
per new profile) goes through `apply_changes` (the service path, timed apart), which writes N
start intents to the outbox. Then the real worker (`build_worker`) and the outbox dispatcher
(`run_dispatcher`) start in this process, and the clock starts with them:
- all started: the `enrollments` table has N rows;
- all completed: all N rows have status `completed` (the time is the latest `ended_at`).
"""

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from temporalio.client import Client

from flowline.bench.enrollments_timing import (
    FLOWLINE,
    FLOWLINE_ACTIVITIES,
    POLL_SECONDS,
    VISIBILITY_POLL_SECONDS,
    BenchFailed,
    Clock,
    EnrollmentRun,
    Progress,
    Target,
    watch,
)
from flowline.core.database import make_engine, migrate, session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.outbox import OutboxIntent
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.dispatch import run_dispatcher
from flowline.core.services.ingestion import EventIn, apply_changes
from flowline.core.services.workflows import create_workflow
from flowline.core.settings import Settings
from flowline.core.temporal import connect
from flowline.worker.main import build_worker

FLOWLINE_QUEUE = "bench-flowline-enrollments"
EVENT = "bench_signup"


def _create_workflow(engine: Engine, url: str) -> int:
    definition = {
        "name": "Bench: call, then wait a second",
        "trigger": {"type": "event", "event": EVENT},
        "steps": [
            {"type": "http_call", "method": "POST", "url": url, "body": {"p": "{{ profile_id }}"}},
            {"type": "wait", "duration": "PT1S"},
        ],
    }
    with session_scope(engine) as session:
        workflow = create_workflow(session, WorkflowCreate.model_validate(definition))
        assert workflow.id is not None
        return workflow.id


def _ingest(engine: Engine, n: int) -> float:
    """One batch of N events of N new profiles; returns its seconds. Checks the N intents."""
    events = [
        EventIn(profile_id=f"bench-{i:06d}", name=EVENT, message_id=f"bench-msg-{i:06d}")
        for i in range(n)
    ]
    started = time.perf_counter()
    with session_scope(engine) as session:
        apply_changes(session, events=events)
    seconds = time.perf_counter() - started
    with Session(engine) as session:
        intents = int(session.exec(select(func.count()).select_from(OutboxIntent)).one())
    if intents != n:
        raise BenchFailed(f"{FLOWLINE}: the batch wrote {intents} outbox intents, expected {n}")
    return seconds


@contextmanager
def _reader(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection of the benchmark's own: in WAL mode it never blocks a writer
    (the product's sessions all start with BEGIN IMMEDIATE, so polling through them would
    compete for the write lock)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


async def _flowline_progress(reader: sqlite3.Connection) -> Progress:
    rows, completed, active = reader.execute(
        "select count(*), coalesce(sum(status = 'completed'), 0), "
        "coalesce(sum(status = 'active'), 0) from enrollments"
    ).fetchone()
    return Progress(int(rows), int(completed), int(rows) - int(completed) - int(active))


def _last_ended(engine: Engine) -> datetime | None:
    with Session(engine) as session:
        found: datetime | None = session.exec(select(func.max(Enrollment.ended_at))).one()
        return found


async def run_flowline(target: Target) -> EnrollmentRun:
    with TemporaryDirectory(prefix="flowline-bench-enrollments-") as directory:
        path = Path(directory) / "flowline.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            migrate(engine)
            _create_workflow(engine, target.url)
            ingest_seconds = _ingest(engine, target.enrollments)
            settings = Settings(
                data_dir=Path(directory),
                database_url=f"sqlite:///{path}",
                temporal_address=target.address,
                task_queue=FLOWLINE_QUEUE,
                http_allow_private_networks=True,
                dispatcher=True,
            )
            client = await connect(settings)
            with _reader(path) as reader:
                run = await _run_flowline(client, settings, engine, reader, target)
            run.notes.insert(
                0, f"ingestion of the batch (apply_changes, not timed above): {ingest_seconds:.2f}s"
            )
            return run
        finally:
            engine.dispose()


async def _run_flowline(
    client: Client, settings: Settings, engine: Engine, reader: sqlite3.Connection, target: Target
) -> EnrollmentRun:
    n = target.enrollments
    async with httpx.AsyncClient(follow_redirects=False) as http_client:
        worker = build_worker(client, settings, engine, http_client)
        clock = Clock(FLOWLINE, target.timeout, target.server_pid)
        async with worker:
            dispatcher = asyncio.create_task(run_dispatcher(engine, client, settings))
            try:
                started, seen_completed = await watch(
                    clock, n, lambda: _flowline_progress(reader), POLL_SECONDS
                )
                used = clock.cpu_used()
                # Not timed: the executions close after their finish_enrollment activity;
                # let them, so the worker does not shut down under their last workflow task.
                closed = await _drain(client, FLOWLINE_QUEUE, clock)
            finally:
                dispatcher.cancel()
                await asyncio.gather(dispatcher, return_exceptions=True)
    last = await asyncio.to_thread(_last_ended, engine)
    completed = clock.since_start(last) if last is not None else seen_completed
    notes = [
        f"all started: seen by polling the enrollments table every {POLL_SECONDS}s",
        f"all completed: latest ended_at {completed:.2f}s (seen by polling at "
        f"{seen_completed:.2f}s); all executions closed by {closed:.2f}s",
    ]
    return EnrollmentRun(
        FLOWLINE, n, FLOWLINE_ACTIVITIES, started, completed, notes + ([used] if used else [])
    )


async def _drain(client: Client, task_queue: str, clock: Clock) -> float:
    """Wait (at most 15 s, within the deadline) until no execution on the queue runs."""
    query = f"TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'"
    limit = min(clock.elapsed() + 15, clock.timeout)
    while (await client.count_workflows(query)).count and clock.elapsed() < limit:
        await asyncio.sleep(VISIBILITY_POLL_SECONDS)
    return clock.elapsed()
