"""Small measuring tools the scenarios share: percentiles, waiting for a condition with a
deadline and progress lines, posting events to the API, reading Flowline's progress."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func
from sqlmodel import col, select

from flowline.core.database import read_scope
from flowline.core.models.enrollments import Enrollment


class BenchFailed(Exception):
    """A scenario did not finish (timeout, failed enrollments): the message says why."""


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` 0.95 for p95); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


async def wait_until(
    what: str,
    check: Callable[[], Awaitable[tuple[bool, str]]],
    timeout: float,
    interval: float = 0.1,
    report_every: float = 10.0,
) -> float:
    """Poll `check` (done?, progress text) until done; returns the seconds it took."""
    started = time.perf_counter()
    next_report = report_every
    while True:
        done, progress = await check()
        elapsed = time.perf_counter() - started
        if done:
            return elapsed
        if elapsed > timeout:
            raise BenchFailed(f"{what}: gave up after {timeout:.0f}s ({progress})")
        if elapsed >= next_report:
            next_report += report_every
            print(f"    {what}: {elapsed:5.0f}s {progress}", flush=True)
        await asyncio.sleep(interval)


async def post_events(
    client: httpx.AsyncClient,
    events: Sequence[dict[str, Any]],
    concurrency: int,
    sent_at: dict[str, float] | None = None,
) -> None:
    """POST each event alone (`/v1/events`), `concurrency` at a time; `sent_at[profile_id]`
    gets the wall time each request was sent."""
    gate = asyncio.Semaphore(concurrency)

    async def one(event: dict[str, Any]) -> None:
        async with gate:
            if sent_at is not None:
                sent_at[event["profile_id"]] = time.time()
            response = await client.post("/v1/events", json=event)
            if response.status_code != 202:
                raise BenchFailed(f"POST /v1/events: {response.status_code} {response.text}")

    await asyncio.gather(*(one(e) for e in events))


async def post_batches(client: httpx.AsyncClient, events: Sequence[dict[str, Any]]) -> None:
    """POST the events in batches of 1000 (`/v1/events/batch`), one after the other."""
    for start in range(0, len(events), 1000):
        body = {"events": list(events[start : start + 1000])}
        response = await client.post("/v1/events/batch", json=body, timeout=120)
        if response.status_code != 202:
            raise BenchFailed(f"POST /v1/events/batch: {response.status_code} {response.text}")


def enrollment_counts(engine: Engine, workflow_id: int) -> dict[str, int]:
    """Enrollment rows of a workflow by status (a read that takes no write lock)."""
    with read_scope(engine) as session:
        rows = session.exec(
            select(Enrollment.status, func.count())
            .where(col(Enrollment.workflow_id) == workflow_id)
            .group_by(col(Enrollment.status))
        ).all()
    return {status: count for status, count in rows}


def last_ended(engine: Engine, workflow_id: int) -> float | None:
    with read_scope(engine) as session:
        found = session.exec(
            select(func.max(Enrollment.ended_at)).where(col(Enrollment.workflow_id) == workflow_id)
        ).one()
    return found.timestamp() if found is not None else None


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process (Linux /proc), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
