"""`kill -9` of the worker in the middle of a burst of 1,000 mails (SQLite, one worker, started
again at once): at most 0.5 % arrive twice, and then with the same Message-ID; none is lost;
the mails the dead worker was sending are retried within 30 s (its steps' heartbeats stop, and
Temporal retries them then, not at their start-to-close timeout)."""

import asyncio
import random
import time
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bench.fault_figures import (
    MAX_DUPLICATE_SHARE,
    MOVED_ON_WITHIN_SECONDS,
    RETRY_WITHIN_SECONDS,
    kill_figures,
)
from flowline.core.database import session_scope
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.services.ingestion.changes import apply_changes
from flowline.definitions.enrollment import enrollment_workflow_id
from testkit.eventually import eventually
from testkit.smtp import SmtpCapture
from tests.api.steps import email_step
from tests.faults.mail import address
from tests.faults.stack import FaultStack, Launch

pytestmark = pytest.mark.slow

MAILS = 1000
KILL_AFTER = MAILS // 2  # mails received when the worker is killed
# Each RCPT waits this long: more conversations are under way when the worker dies.
RCPT_DELAY = 0.2
KILL_JITTER = random.Random()


def add_profiles(engine: Engine, profiles: list[str]) -> None:
    with session_scope(engine) as session:
        apply_changes(session, properties={p: {"email": address(p)} for p in profiles})


def progress(engine: Engine, workflow_id: int) -> dict[str, Any]:
    """Enrollments by status and `sent` deliveries, read from the database."""
    with Session(engine) as session:
        statuses = session.exec(
            select(Enrollment.status, func.count())
            .where(Enrollment.workflow_id == workflow_id)
            .group_by(Enrollment.status)
        ).all()
        sent = session.exec(
            select(func.count()).where(
                Delivery.workflow_id == workflow_id, Delivery.status == "sent"
            )
        ).one()
    return {"statuses": dict(statuses), "sent": sent}


async def test_worker_killed_mid_burst_of_1000_mails_sends_each_once_and_retries_within_30_s(
    launch: Launch, mailbox: SmtpCapture
) -> None:
    mailbox.rcpt_delay = RCPT_DELAY
    async with launch() as stack:
        flowline = stack.flowline
        [worker] = stack.workers
        campaign = await flowline.campaign(subject="Burst for {{ first_name }}")
        workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
        profiles = [f"b-{i:04d}" for i in range(MAILS)]
        await asyncio.to_thread(add_profiles, stack.engine, profiles)

        events = [{"profile_id": p, "name": "registered"} for p in profiles]
        response = await flowline.post("/v1/events/batch", {"events": events})
        assert response.status_code == 202, response.text
        await eventually(
            lambda: _received(mailbox, KILL_AFTER),
            timeout=300,
            what=lambda: f"{KILL_AFTER} mails, have {len(mailbox.arrivals)}",
            interval=0.01,
        )
        # A crash does not choose its moment: killed the instant an arrival is seen, the worker
        # dies by construction in the few milliseconds between the server's 250 and the record
        # (the worst instant, measured apart in docs/decisions.md). The kill lands a random
        # moment later instead, while a conversation is under way.
        await asyncio.sleep(KILL_JITTER.uniform(0.0, 1.0))
        await eventually(
            lambda: _sending(mailbox),
            timeout=60,
            what=lambda: "a conversation under way",
            interval=0.001,
        )
        worker.send_kill()
        killed_at = time.monotonic()
        await eventually(lambda: _gone(worker), timeout=30, what=lambda: "the worker to die")
        # Conversations the dead worker began and never finished: its steps in flight.
        in_flight = set(mailbox.in_progress)
        retried = asyncio.create_task(
            moved_on(
                stack, [enrollment_workflow_id(workflow["id"], r.split("@")[0]) for r in in_flight]
            )
        )
        await stack.restart(worker)

        def done() -> dict[str, Any]:
            return progress(stack.engine, workflow["id"])

        async def all_completed() -> bool:
            now = await asyncio.to_thread(done)
            return now["statuses"].get("completed") == MAILS and now["sent"] == MAILS

        await eventually(
            all_completed, timeout=600, what=lambda: f"all {MAILS} completed: {done()}"
        )
        retried_at = await retried

    figures = kill_figures(
        mailbox.arrivals,
        {address(p) for p in profiles},
        killed_at,
        in_flight,
        moved_on=retried_at - killed_at,
    )
    print(figures.line())
    assert in_flight, "the kill was meant to land while mails were being sent"
    assert figures.lost == 0
    assert figures.reused_ids, "a mail sent again carried another Message-ID"
    assert figures.duplicate_share <= MAX_DUPLICATE_SHARE, figures.line()
    assert figures.moved_on is not None and figures.moved_on <= MOVED_ON_WITHIN_SECONDS, (
        figures.line()
    )
    assert figures.first_retry is not None and figures.first_retry <= RETRY_WITHIN_SECONDS, (
        figures.line()
    )


async def moved_on(stack: FaultStack, temporal_ids: list[str]) -> float:
    """When Temporal had retried (or finished) the email step of each of these enrollments."""
    waiting = set(temporal_ids)
    while waiting:
        for temporal_id in sorted(waiting):
            pending = await stack.pending_activities(temporal_id)
            if not pending or any(activity.attempt >= 2 for activity in pending):
                waiting.discard(temporal_id)
        await asyncio.sleep(0.2)
    return time.monotonic()


async def _received(mailbox: SmtpCapture, count: int) -> bool:
    return len(mailbox.arrivals) >= count


async def _sending(mailbox: SmtpCapture) -> bool:
    return bool(mailbox.in_progress)


async def _gone(worker: Any) -> bool:
    return not worker.running
