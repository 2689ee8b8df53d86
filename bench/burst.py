"""A burst of enrollments absorbed, and many enrollments waiting at once.

Flowline: a workflow `[wait P1D]` with an exit-on-goal `purchase`; N trigger events POSTed to
`flowline api` in batches of 1000 (one after the other), started by the outbox dispatcher of
`flowline worker`. Bare: N `start_workflow` calls (50 at a time) of a workflow that waits a day
or until a `goal` signal, on the bare worker (SDK defaults). Each side runs on a dev server of
its own, so neither finds the other's waiting executions there.

Absorbed: every enrollment started (Flowline: its enrollment row; bare: its start call
returned) and the task queue's workflow backlog is empty (`DescribeTaskQueue` stats), i.e. every
first workflow task has been handed to the worker; polled every 0.25 s. Absorption rate =
N / seconds from the first trigger to that moment.

Goal → closed: goal events (Flowline: `POST /v1/events` `purchase`; bare: a `goal` signal) sent
every 0.5 s to an already started enrollment while the burst is absorbed, then K one after the
other once it is; from sending to the execution's close time (Temporal's clock).
"""

import asyncio
import random
import statistics
import time
from pathlib import Path

from bench.absorption import GOAL_EVERY, Burst, Goals, backlog, closed_after
from bench.bare_workflow import BareInput, BareWait
from bench.cpu import CpuMeter
from bench.figures import Figure, ms, rate
from bench.measure import (
    BenchFailed,
    enrollment_counts,
    percentile,
    post_batches,
    rss_mb,
    wait_until,
)
from bench.stack import Flowline, Server, bare_worker, flowline, temporal_server
from bench.stats import STATS_TARGET_MS
from testkit.smtp import SmtpCapture

ABSORB_RATIO = 1.5
GOAL_AFTER_P95_MS = 500.0
GOAL_WAITING_P95_MS = 1000.0
RSS_TARGET_MB = 600.0
START_CONCURRENCY = 50


async def _create_workflow(fl: Flowline) -> int:
    body = {
        "name": "Bench burst: wait a day unless they buy",
        "trigger": {"type": "event", "event": "signup"},
        "goal": {"event": "purchase"},
        "exit_on_goal": True,
        "steps": [{"type": "wait", "duration": "P1D"}],
    }
    async with fl.api.client() as client:
        created = await client.post("/v1/workflows", json=body)
    if created.status_code != 201:
        raise BenchFailed(f"POST /v1/workflows: {created.status_code} {created.text}")
    return int(created.json()["id"])


def _profile(index: int) -> str:
    return f"burst-{index:07d}"


async def flowline_burst(
    server: Server,
    fl: Flowline,
    n: int,
    goals_after: int,
    timeout: float,
    stats_repeat: int = 0,
) -> Burst:
    workflow_id = await _create_workflow(fl)
    events = [{"profile_id": _profile(i), "name": "signup"} for i in range(n)]
    goals = Goals()
    rng = random.Random(1)
    async with fl.api.client(timeout=60) as client:

        async def goal(index: int) -> None:
            sent = time.time()
            response = await client.post(
                "/v1/events", json={"profile_id": _profile(index), "name": "purchase"}
            )
            response.raise_for_status()
            goals.sent.append((f"enroll:{workflow_id}:{_profile(index)}", sent))

        started_at = time.time()
        poster = asyncio.create_task(post_batches(client, events))
        next_goal = time.monotonic() + GOAL_EVERY

        async def absorbed() -> tuple[bool, str]:
            nonlocal next_goal
            if poster.done() and poster.exception() is not None:
                raise BenchFailed(f"posting the burst failed: {poster.exception()!r}")
            counts = await asyncio.to_thread(enrollment_counts, fl.engine, workflow_id)
            started = sum(counts.values())
            if time.monotonic() >= next_goal and started < n:
                next_goal += GOAL_EVERY
                index = goals.pick(started, rng)
                if index is not None:
                    await goal(index)
            waiting = await backlog(server.client, fl.task_queue)
            return (
                started >= n and waiting == 0,
                f"{started:,}/{n:,} started, workflow backlog {waiting:,}",
            )

        await wait_until("flowline burst absorbed", absorbed, timeout, interval=0.25)
        result = Burst(n, time.time() - started_at)
        await poster
        result.goals_during = await goals.latencies(server.client, timeout)
        result.rss_mb = rss_mb(fl.worker_pid)
        after = Goals()
        for _ in range(goals_after):
            index = after.pick(n, rng)
            if index is None or index in goals.used:
                continue
            sent = time.time()
            response = await client.post(
                "/v1/events", json={"profile_id": _profile(index), "name": "purchase"}
            )
            response.raise_for_status()
            wid = f"enroll:{workflow_id}:{_profile(index)}"
            result.goals_after.append(await closed_after(server.client, wid, sent, timeout))
        for _ in range(stats_repeat):
            started = time.perf_counter()
            response = await client.get(f"/v1/workflows/{workflow_id}/stats")
            response.raise_for_status()
            result.stats_ms.append((time.perf_counter() - started) * 1000)
    return result


async def bare_burst(
    server: Server, task_queue: str, n: int, goals_after: int, timeout: float
) -> Burst:
    client = server.client
    tag = f"bare-burst-{time.time_ns()}"
    started = [0]
    gate = asyncio.Semaphore(START_CONCURRENCY)
    goals = Goals()
    rng = random.Random(1)

    async def start(index: int) -> None:
        async with gate:
            await client.start_workflow(
                BareWait.run, BareInput(target=""), id=f"{tag}-{index}", task_queue=task_queue
            )
            started[0] += 1

    async def goal(index: int) -> None:
        sent = time.time()
        await client.get_workflow_handle(f"{tag}-{index}").signal("goal")
        goals.sent.append((f"{tag}-{index}", sent))

    started_at = time.time()
    starter = asyncio.gather(*(start(i) for i in range(n)))
    next_goal = time.monotonic() + GOAL_EVERY

    async def absorbed() -> tuple[bool, str]:
        nonlocal next_goal
        if time.monotonic() >= next_goal and started[0] < n:
            next_goal += GOAL_EVERY
            # Only the first half of what started: a start call returns before its task runs.
            index = goals.pick(started[0] // 2, rng)
            if index is not None:
                await goal(index)
        waiting = await backlog(client, task_queue)
        return (
            started[0] >= n and waiting == 0,
            f"{started[0]:,}/{n:,} started, workflow backlog {waiting:,}",
        )

    await wait_until("bare burst absorbed", absorbed, timeout, interval=0.25)
    result = Burst(n, time.time() - started_at)
    await starter
    result.goals_during = await goals.latencies(client, timeout)
    for _ in range(goals_after):
        index = goals.pick(n, rng)
        if index is None:
            continue
        sent = time.time()
        await client.get_workflow_handle(f"{tag}-{index}").signal("goal")
        result.goals_after.append(await closed_after(client, f"{tag}-{index}", sent, timeout))
    return result


def _p95(values: list[float]) -> str:
    return ms(percentile(values, 0.95)) if values else "n/a"


async def run_burst(
    work_dir: Path, smtp: SmtpCapture, n: int, goals_after: int, timeout: float
) -> list[Figure]:
    print(f"  [burst] flowline: {n:,} enrollments (own dev server)...", flush=True)
    async with temporal_server() as server, flowline(server, "burst", work_dir, smtp) as fl:
        meter = fl.cpu_meter(server)
        ours = await flowline_burst(server, fl, n, goals_after, timeout)
        ours.cpu = meter.per(n)
    print(f"  [burst] flowline absorbed {ours.per_second:.1f}/s; {ours.cpu}", flush=True)
    print(f"  [burst] bare: {n:,} executions (own dev server)...", flush=True)
    async with (
        temporal_server() as server,
        bare_worker(server, "burst", work_dir, smtp) as (queue, worker),
    ):
        meter = CpuMeter({"temporal server": server.pid, "bare worker": worker})
        bare = await bare_burst(server, queue, n, goals_after, timeout)
        bare.cpu = meter.per(n)
    print(f"  [burst] bare absorbed {bare.per_second:.1f}/s; {bare.cpu}", flush=True)
    ratio = ours.per_second / bare.per_second
    during = percentile(ours.goals_during, 0.95)
    bare_during = percentile(bare.goals_during, 0.95)
    after = percentile(ours.goals_after, 0.95)
    return [
        Figure(
            f"3. burst of {n:,} absorbed (first workflow tasks run)",
            f"{rate(ours.per_second)} = {ratio:.2f}x bare ({ours.absorbed_seconds:.0f} s)",
            f">= {ABSORB_RATIO}x bare",
            f"{rate(bare.per_second)} ({bare.absorbed_seconds:.0f} s)",
            ratio >= ABSORB_RATIO,
        ),
        Figure(
            f"3. goal -> closed p95 while absorbing ({len(ours.goals_during)} goals)",
            _p95(ours.goals_during),
            "no worse than bare",
            f"{_p95(bare.goals_during)} ({len(bare.goals_during)} signals)",
            during <= bare_during if ours.goals_during and bare.goals_during else None,
        ),
        Figure(
            f"3. goal -> closed p95 once absorbed ({len(ours.goals_after)} goals)",
            _p95(ours.goals_after),
            f"< {GOAL_AFTER_P95_MS:.0f} ms",
            _p95(bare.goals_after),
            after < GOAL_AFTER_P95_MS if ours.goals_after else None,
        ),
    ]


async def run_waiting(
    work_dir: Path, smtp: SmtpCapture, n: int, goals_after: int, timeout: float
) -> list[Figure]:
    print(f"  [waiting] flowline: {n:,} enrollments waiting at once (own dev server, on a file)...")
    database = work_dir / "temporal-waiting.db"
    async with (
        temporal_server(database) as server,
        flowline(server, "waiting", work_dir, smtp) as fl,
    ):
        meter = fl.cpu_meter(server)
        ours = await flowline_burst(server, fl, n, goals_after, timeout, stats_repeat=10)
        ours.cpu = meter.per(n)
    print(f"  [waiting] absorbed {ours.per_second:.1f}/s; {ours.cpu}", flush=True)
    stats_p95 = percentile(ours.stats_ms, 0.95)
    goal_p95 = percentile(ours.goals_after, 0.95)
    return [
        Figure(
            f"4. {n:,} waiting: worker RSS",
            f"{ours.rss_mb:,.0f} MB" if ours.rss_mb is not None else "n/a",
            f"< {RSS_TARGET_MB:.0f} MB",
            "",
            ours.rss_mb < RSS_TARGET_MB if ours.rss_mb is not None else None,
        ),
        Figure(
            f"4. {n:,} waiting: stats median / p95 (API)",
            f"{ms(statistics.median(ours.stats_ms))} / {ms(stats_p95)}",
            f"< {STATS_TARGET_MS:.0f} ms",
            "",
            stats_p95 < STATS_TARGET_MS,
        ),
        Figure(
            f"4. {n:,} waiting: goal -> closed p95 once absorbed ({len(ours.goals_after)})",
            _p95(ours.goals_after),
            f"< {GOAL_WAITING_P95_MS:.0f} ms",
            "",
            goal_p95 < GOAL_WAITING_P95_MS if ours.goals_after else None,
        ),
        Figure(
            f"4. {n:,} waiting: absorbed",
            f"{rate(ours.per_second)} ({ours.absorbed_seconds:.0f} s)",
            "(for information)",
        ),
    ]
