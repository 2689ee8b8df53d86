"""Enrollment throughput against bare Temporal, and trigger → first mail, on one dev server.

Flowline: N trigger events POSTed one per request (8 at a time) to `flowline api`; the outbox
dispatcher in `flowline worker` starts the enrollments; the clock runs from the first POST to
the last enrollment's `ended_at`. Bare: N `start_workflow` calls (8 at a time, like the posts)
from this process to the bare worker's queue; the clock runs from the first call to the last
close time. Shapes: `[send_email, wait PT1S]` (bare: one activity sending one mail to the same
SMTP server, then a 1 s timer) and `[http_call]` (bare: one activity making one HTTP call).

Trigger → first mail: K events posted one after the other to an idle stack, each waiting for its
mail; from the POST being sent to the SMTP server accepting the message (the capture's clock).
"""

import asyncio
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import Client

from bench import worker_profile
from bench.bare_workflow import BareEmail, BareHttp, BareInput
from bench.cpu import CpuMeter
from bench.figures import Figure, ms, rate
from bench.measure import (
    BenchFailed,
    enrollment_counts,
    last_ended,
    percentile,
    post_events,
    wait_until,
)
from bench.stack import Flowline, Server, bare_worker, flowline
from flowline.core.database import session_scope
from flowline.core.services.ingestion.changes import apply_changes
from testkit.http_target import HttpTarget
from testkit.smtp import SmtpCapture

CONCURRENCY = 8
EMAIL, HTTP = "email", "http"
THROUGHPUT_RATIO = 0.8
FIRST_MAIL_P95_MS = 200.0
EVENT = "signup"


@dataclass
class Run:
    n: int
    seconds: float  # first trigger to last completion
    cpu: str

    @property
    def per_second(self) -> float:
        return self.n / self.seconds


def _address(pid: str) -> str:
    return f"{pid}@example.com"


async def _set_up(fl: Flowline, shape: str, http: HttpTarget, profiles: list[str]) -> int:
    """The workflow of the shape (and its campaign), and profiles with an address."""
    with session_scope(fl.engine) as session:
        apply_changes(session, properties={p: {"email": _address(p)} for p in profiles})
    async with fl.api.client() as client:
        if shape == EMAIL:
            campaign = await client.post(
                "/v1/campaigns",
                json={
                    "name": "Welcome",
                    "subject": "Welcome",
                    "html": "<p>Hello there</p>",
                    "status": "active",
                },
            )
            campaign.raise_for_status()
            steps: list[dict[str, Any]] = [
                {
                    "type": "send_email",
                    "campaign_id": campaign.json()["id"],
                    "email_property": "email",
                    "merge_tags": {},
                },
                {"type": "wait", "duration": "PT1S"},
            ]
        else:
            steps = [{"type": "http_call", "method": "POST", "url": http.url("/hook")}]
        body = {"name": f"Bench {shape}", "trigger": {"type": "event", "event": EVENT}}
        created = await client.post("/v1/workflows", json=body | {"steps": steps})
        if created.status_code != 201:
            raise BenchFailed(f"POST /v1/workflows: {created.status_code} {created.text}")
        return int(created.json()["id"])


def _events(profiles: list[str], tag: str) -> list[dict[str, Any]]:
    return [{"profile_id": p, "name": EVENT, "message_id": f"{tag}-{p}"} for p in profiles]


async def flowline_run(
    server: Server, fl: Flowline, workflow_id: int, profiles: list[str], timeout: float
) -> Run:
    n = len(profiles)
    meter = CpuMeter(
        {
            "temporal server": server.pid,
            "flowline worker": fl.worker_pid,
            "flowline api": fl.api.pid,
        }
    )
    started = time.time()
    async with fl.api.client(timeout=60) as client:
        await post_events(client, _events(profiles, "tp"), CONCURRENCY)

    async def done() -> tuple[bool, str]:
        counts = await asyncio.to_thread(enrollment_counts, fl.engine, workflow_id)
        other = sum(v for k, v in counts.items() if k not in ("active", "completed"))
        if other:
            raise BenchFailed(f"enrollments ended other than completed: {counts}")
        return counts.get("completed", 0) >= n, f"{counts}"

    await wait_until("flowline enrollments completed", done, timeout)
    last = await asyncio.to_thread(last_ended, fl.engine, workflow_id)
    assert last is not None
    return Run(n, last - started, meter.per(n))


async def bare_run(
    server: Server, worker: int, task_queue: str, shape: str, targets: list[str], timeout: float
) -> Run:
    client = server.client
    n = len(targets)
    meter = CpuMeter({"temporal server": server.pid, "bare worker": worker})
    gate = asyncio.Semaphore(CONCURRENCY)
    run = BareEmail.run if shape == EMAIL else BareHttp.run
    tag = f"bare-{shape}-{time.time_ns()}"

    async def start(index: int, target: str) -> None:
        async with gate:
            await client.start_workflow(
                run,  # type: ignore[arg-type]
                BareInput(target=target),
                id=f"{tag}-{index}",
                task_queue=task_queue,
            )

    started = time.time()
    await asyncio.gather(*(start(i, t) for i, t in enumerate(targets)))
    query = f"TaskQueue = '{task_queue}' AND ExecutionStatus = 'Completed'"

    async def done() -> tuple[bool, str]:
        count = (await client.count_workflows(query)).count
        return count >= n, f"{count}/{n} completed"

    await wait_until("bare executions completed", done, timeout, interval=0.25)
    last = max(
        [e.close_time async for e in client.list_workflows(query) if e.close_time is not None]
    )
    return Run(n, last.timestamp() - started, meter.per(n))


async def first_mail_flowline(fl: Flowline, smtp: SmtpCapture, profiles: list[str]) -> list[float]:
    """Milliseconds from each POST to its mail, one event at a time."""
    delays = []
    async with fl.api.client(timeout=30) as client:
        for event in _events(profiles, "latency"):
            sent = time.time()
            response = await client.post("/v1/events", json=event)
            response.raise_for_status()
            delays.append(await _mail_after(smtp, _address(event["profile_id"]), sent))
    return delays


async def first_mail_bare(
    client: Client, task_queue: str, smtp: SmtpCapture, addresses: list[str]
) -> list[float]:
    delays = []
    for index, address in enumerate(addresses):
        sent = time.time()
        await client.start_workflow(
            BareEmail.run,
            BareInput(target=address),
            id=f"bare-latency-{time.time_ns()}-{index}",
            task_queue=task_queue,
        )
        delays.append(await _mail_after(smtp, address, sent))
    return delays


async def _mail_after(smtp: SmtpCapture, address: str, sent: float, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arrived = smtp.first_for().get(address)
        if arrived is not None:
            return (arrived - sent) * 1000
        await asyncio.sleep(0.002)
    raise BenchFailed(f"no mail for {address} within {timeout:.0f}s")


async def run(
    server: Server,
    work_dir: Path,
    smtp: SmtpCapture,
    http: HttpTarget,
    n: int,
    samples: int,
    timeout: float,
    profile_top: int | None = None,
) -> list[Figure]:
    """`profile_top`: sample the worker with py-spy during each Flowline run and print that
    many functions of its profile."""
    figures: list[Figure] = []
    for shape in (EMAIL, HTTP):
        profiles = [f"{shape}-{i:06d}" for i in range(n)]
        latency_profiles = [f"{shape}-latency-{i:04d}" for i in range(samples)]
        print(f"  [throughput/{shape}] flowline: {n} enrollments...", flush=True)
        async with flowline(server, f"tp_{shape}", work_dir, smtp) as fl:
            workflow_id = await _set_up(fl, shape, http, profiles + latency_profiles)
            sampled = {
                "worker": (fl.worker_pid, worker_profile.RAW_DIR / f"worker-{shape}.txt"),
                "api": (fl.api.pid, worker_profile.RAW_DIR / f"api-{shape}.txt"),
            }
            with ExitStack() as profiling:
                for pid, raw in sampled.values() if profile_top else ():
                    profiling.enter_context(worker_profile.sampled(pid, raw))
                ours = await flowline_run(server, fl, workflow_id, profiles, timeout)
            print(f"  [throughput/{shape}] flowline: {ours.per_second:.1f}/s; {ours.cpu}")
            for name, (_, raw) in sampled.items() if profile_top else ():
                print(worker_profile.summary(raw, profile_top or 0, name), flush=True)
            if shape == EMAIL:
                print(f"  [latency] flowline: {samples} events one at a time...", flush=True)
                flowline_delays = await first_mail_flowline(fl, smtp, latency_profiles)
        print(f"  [throughput/{shape}] bare: {n} executions...", flush=True)
        async with bare_worker(server, shape, work_dir, smtp) as (queue, worker):
            targets = [_address(f"bare-{p}") for p in profiles]
            if shape == HTTP:
                targets = [http.url("/hook")] * n
            bare = await bare_run(server, worker, queue, shape, targets, timeout)
            print(f"  [throughput/{shape}] bare: {bare.per_second:.1f}/s; {bare.cpu}")
            if shape == EMAIL:
                print(f"  [latency] bare: {samples} executions one at a time...", flush=True)
                addresses = [_address(f"bare-{p}") for p in latency_profiles]
                bare_delays = await first_mail_bare(server.client, queue, smtp, addresses)
        ratio = ours.per_second / bare.per_second
        figures.append(
            Figure(
                f"1. throughput [{'send_email, wait PT1S' if shape == EMAIL else 'http_call'}]"
                f", N={n}",
                f"{rate(ours.per_second)} = {ratio:.2f}x bare",
                f">= {THROUGHPUT_RATIO}x bare",
                rate(bare.per_second),
                ratio >= THROUGHPUT_RATIO,
            )
        )
        if shape == EMAIL:
            p95 = percentile(flowline_delays, 0.95)
            figures.append(
                Figure(
                    f"2. trigger -> first mail p50 / p95 ({samples} samples)",
                    f"{ms(percentile(flowline_delays, 0.5))} / {ms(p95)}",
                    f"p95 < {FIRST_MAIL_P95_MS:.0f} ms",
                    f"{ms(percentile(bare_delays, 0.5))} / {ms(percentile(bare_delays, 0.95))}",
                    p95 < FIRST_MAIL_P95_MS,
                )
            )
    return figures
