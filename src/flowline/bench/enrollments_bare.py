"""The bare Temporal side of the enrollment benchmark.

`bare_workflow.BareEnrollment` (one HTTP POST activity, then `workflow.sleep(1s)`) on its own
task queue and worker, started with `client.start_workflow` for N ids, at most
`START_CONCURRENCY` at a time; the clock starts with the worker:
- all started: the last `start_workflow` call has returned;
- all completed: visibility counts N completed executions (the time is the latest close time).
"""

import asyncio
from datetime import datetime

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from flowline.bench.bare_workflow import (
    ACTIVITIES_PER_RUN,
    BareActivities,
    BareEnrollment,
    BareInput,
)
from flowline.bench.enrollments_timing import (
    BARE,
    VISIBILITY_POLL_SECONDS,
    BenchFailed,
    Clock,
    EnrollmentRun,
    Progress,
    Target,
    watch,
)
from flowline.core.settings import Settings
from flowline.core.temporal import connect

BARE_QUEUE = "bench-bare-enrollments"
START_CONCURRENCY = 50


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
                _, seen_completed = await watch(
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
