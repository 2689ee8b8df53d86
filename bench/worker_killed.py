"""A worker killed mid-burst (`kill -9`), as the fault test does it: duplicates, lost mails and
the time to the retry (fault_figures.py computes them for both).

A private Temporal dev server, `flowline api` and `flowline worker` on a fresh SQLite database,
N profiles with an address and a one-email workflow; N trigger events in batches; once half the
mail has arrived the worker is killed (a random moment up to 1 s later) and another started at
once. The SMTP capture keeps each message's arrival and the conversations under way when the
worker died (its steps in flight).
"""

import asyncio
import os
import random
import secrets
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench.api_process import api_process, flowline_command
from bench.databases import engine_url, fresh_engine
from bench.fault_figures import KillFigures, kill_figures
from bench.figures import Figure
from bench.measure import BenchFailed, enrollment_counts, post_batches, wait_until
from bench.stack import Server, temporal_server
from flowline.core.database import session_scope
from flowline.core.services.ingestion.changes import apply_changes
from flowline.definitions.enrollment import enrollment_workflow_id
from testkit.smtp import SmtpCapture

# Each RCPT waits this long: more conversations are under way when the worker dies.
RCPT_DELAY = 0.2


def _capture() -> SmtpCapture:
    smtp = SmtpCapture()
    smtp.rcpt_delay = RCPT_DELAY
    return smtp


def _address(index: int) -> str:
    return f"killed-{index:05d}@example.test"


def _add_profiles(engine: Engine, mails: int) -> None:
    with session_scope(engine) as session:
        apply_changes(
            session, properties={f"killed-{i:05d}": {"email": _address(i)} for i in range(mails)}
        )


async def run(work_dir: Path, mails: int, timeout: float) -> list[Figure]:
    with _capture() as smtp, fresh_engine("sqlite", None, "killed") as engine:
        async with temporal_server() as server:
            print(f"  {server.description}", flush=True)
            figures = await _scenario(server, engine, smtp, work_dir, mails, timeout)
    print(f"  {figures.line()}", flush=True)
    return figures.figures()


async def _scenario(
    server: Server, engine: Engine, smtp: SmtpCapture, work_dir: Path, mails: int, timeout: float
) -> KillFigures:
    url = engine_url(engine)
    env = {
        **os.environ,
        "FLOWLINE_DATABASE_URL": url,
        "FLOWLINE_TEMPORAL_ADDRESS": server.address,
        "FLOWLINE_TASK_QUEUE": "bench-killed",
        "FLOWLINE_SECRET_KEY": secrets.token_urlsafe(32),
        "FLOWLINE_SMTP_HOST": "127.0.0.1",
        "FLOWLINE_SMTP_PORT": str(smtp.port),
    }
    await asyncio.to_thread(_add_profiles, engine, mails)
    workers: list[subprocess.Popen[bytes]] = []

    def start_worker() -> None:
        log = (work_dir / f"killed-worker-{len(workers) + 1}.log").open("wb")
        command = [*flowline_command(), "worker"]
        workers.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))

    try:
        start_worker()
        with api_process(url, work_dir, server.address, env) as api:
            async with api.client(timeout=120) as client:
                workflow_id = await _one_email_workflow(client)
                events = [
                    {"profile_id": f"killed-{i:05d}", "name": "bench-killed"} for i in range(mails)
                ]
                await post_batches(client, events)

            async def half_arrived() -> tuple[bool, str]:
                return len(smtp.arrivals) >= mails // 2, f"{len(smtp.arrivals)} mails arrived"

            await wait_until("half the mail", half_arrived, timeout, interval=0.01)
            # Not the instant an arrival is seen (by construction between a 250 and its
            # record, the worst moment): a random moment later, as a crash would come.
            await asyncio.sleep(random.uniform(0.0, 1.0))
            workers[-1].send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            await asyncio.to_thread(workers[-1].wait)
            in_flight = set(smtp.in_progress)
            temporal_ids = [enrollment_workflow_id(workflow_id, r.split("@")[0]) for r in in_flight]
            retried = asyncio.create_task(_moved_on(server, temporal_ids))
            start_worker()

            async def all_sent() -> tuple[bool, str]:
                counts = await asyncio.to_thread(enrollment_counts, engine, workflow_id)
                done = counts.get("completed", 0)
                return done >= mails, f"{done}/{mails} enrollments completed"

            await wait_until("every enrollment completed", all_sent, timeout, interval=0.25)
            moved_on = await asyncio.wait_for(retried, timeout) - killed_at
    finally:
        for process in workers:
            process.kill()
            process.wait()
    recipients = {_address(i) for i in range(mails)}
    return kill_figures(smtp.arrivals, recipients, killed_at, in_flight, moved_on)


async def _one_email_workflow(client: Any) -> int:
    campaign = await client.post(
        "/v1/campaigns",
        json={"name": "Bench kill", "subject": "Hello", "html": "<p>Hello</p>", "status": "active"},
    )
    if campaign.status_code != 201:
        raise BenchFailed(f"POST /v1/campaigns: {campaign.status_code} {campaign.text}")
    body = {
        "name": "Bench: a worker killed mid-burst",
        "trigger": {"type": "event", "event": "bench-killed"},
        "steps": [{"type": "send_email", "campaign_id": campaign.json()["id"]}],
    }
    created = await client.post("/v1/workflows", json=body)
    if created.status_code != 201:
        raise BenchFailed(f"POST /v1/workflows: {created.status_code} {created.text}")
    return int(created.json()["id"])


async def _moved_on(server: Server, temporal_ids: list[str]) -> float:
    """When Temporal had retried (or finished) the email step of each of these enrollments."""
    waiting = set(temporal_ids)
    while waiting:
        for temporal_id in sorted(waiting):
            handle = server.client.get_workflow_handle(temporal_id)
            pending = (await handle.describe()).raw_description.pending_activities
            if not pending or any(activity.attempt >= 2 for activity in pending):
                waiting.discard(temporal_id)
        await asyncio.sleep(0.2)
    return time.monotonic()
