"""Build and run the worker: enrollments, the outbox dispatcher and the segment refresh."""

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from flowline.core.database import make_engine
from flowline.core.services.outbox.dispatch_jobs import run_dispatcher
from flowline.core.services.suppressions import Suppressor
from flowline.core.settings import Settings
from flowline.core.temporal import connect, register_search_attributes
from flowline.worker.activities.email import EmailActivities, email_retry_window
from flowline.worker.activities.email_prepare import UnsubscribeLinks
from flowline.worker.activities.http import HttpActivities, http_retry_window
from flowline.worker.activities.journey import JourneyActivities
from flowline.worker.activities.records import RecordActivities
from flowline.worker.activities.segments import SegmentActivities
from flowline.worker.activities.smtp import SmtpConfig
from flowline.worker.sandbox import worker_runner
from flowline.worker.segment_refresh import (
    SegmentRefreshLoop,
    SegmentRefreshWorkflow,
    ensure_segment_refresh,
)
from flowline.worker.workflows import EnrollmentWorkflow

# Activity slots of one worker process, per task queue. Email and HTTP steps have queues of their
# own, so a target that hangs fills only the HTTP slots and mail keeps flowing; the main queue
# keeps the bookkeeping, the journey steps and the steps of runs started before the split.
MAIN_SLOTS = 100
EMAIL_SLOTS = 100
HTTP_SLOTS = 100
# The worker's transactions never wait inside themselves (no network call in a transaction):
# one idle this long belongs to a paused process, and PostgreSQL ends it, so the dispatcher
# lease it may hold locked (outbox.lease_jobs.fence) passes to another worker after its TTL.
IDLE_TRANSACTION_SECONDS = 15


def build_activities(engine: Engine, email: EmailActivities, http: HttpActivities) -> Sequence[Any]:
    """The main queue's activities (the email and HTTP steps too: runs started before those had
    queues of their own still schedule them here)."""
    records = RecordActivities(engine)
    segments = SegmentActivities(engine)
    journey = JourneyActivities(engine)
    return [
        http.http_call,
        email.send_email,
        records.record_delivery,
        records.record_conversion,
        records.finish_enrollment,
        segments.refresh,
        journey.evaluate_branch,
        journey.choose_split_path,
        journey.update_profile,
        journey.send_window_opening,
    ]


def build_workers(
    client: Client, settings: Settings, engine: Engine, http_client: httpx.AsyncClient
) -> list[Worker]:
    """The enrollments' worker, and the email and HTTP steps' own, each with its own slots."""
    email_activities = EmailActivities(
        engine,
        SmtpConfig.from_settings(settings),
        email_retry_window(settings),
        UnsubscribeLinks.from_settings(settings),
        Suppressor(tuple(settings.secret_keys())),
    )
    http_activities = HttpActivities(
        engine,
        http_client,
        http_retry_window(settings),
        allow_private_networks=settings.http_allow_private_networks,
    )
    main = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[EnrollmentWorkflow, SegmentRefreshLoop, SegmentRefreshWorkflow],
        workflow_runner=worker_runner(),
        activities=build_activities(engine, email_activities, http_activities),
        max_concurrent_activities=MAIN_SLOTS,
    )
    email = Worker(
        client,
        task_queue=settings.email_task_queue,
        activities=[email_activities.send_email],
        # FLOWLINE_EMAIL_MAX_PER_SECOND: enforced by the Temporal server across the fleet.
        max_task_queue_activities_per_second=settings.email_max_per_second,
        max_concurrent_activities=EMAIL_SLOTS,
    )
    http = Worker(
        client,
        task_queue=settings.http_task_queue,
        activities=[http_activities.http_call],
        max_concurrent_activities=HTTP_SLOTS,
    )
    return [main, email, http]


async def run_worker(settings: Settings, engine: Engine | None = None) -> None:
    """Run until cancelled; long-lived clients open once here."""
    engine = engine or make_engine(
        settings.resolved_database_url, idle_transaction_seconds=IDLE_TRANSACTION_SECONDS
    )
    client = await connect(settings)
    await register_search_attributes(client, settings.temporal_namespace)
    await ensure_segment_refresh(
        client, settings.task_queue, timedelta(seconds=settings.segment_refresh_seconds)
    )
    # Redirects are not followed: a 3xx is the target's answer, recorded as such.
    async with httpx.AsyncClient(follow_redirects=False) as http_client:
        workers = build_workers(client, settings, engine, http_client)
        tasks = [asyncio.create_task(worker.run()) for worker in workers]
        if settings.dispatcher:
            tasks.append(asyncio.create_task(run_dispatcher(engine, client, settings)))
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            for task in tasks[len(workers) :]:
                task.cancel()
            await asyncio.gather(*(worker.shutdown() for worker in workers))
            raise
