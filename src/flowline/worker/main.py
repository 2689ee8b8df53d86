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
from flowline.core.services.dispatch import run_dispatcher
from flowline.core.settings import Settings
from flowline.core.temporal import connect, register_search_attributes
from flowline.worker.activities.email import EmailActivities, UnsubscribeLinks, email_retry_window
from flowline.worker.activities.http import HttpActivities, http_retry_window
from flowline.worker.activities.journey import JourneyActivities
from flowline.worker.activities.records import RecordActivities
from flowline.worker.activities.segments import SegmentActivities
from flowline.worker.activities.smtp import SmtpConfig
from flowline.worker.sandbox import worker_runner
from flowline.worker.segment_refresh import SegmentRefreshWorkflow, ensure_refresh_schedule
from flowline.worker.workflows import EnrollmentWorkflow


def build_activities(
    settings: Settings, engine: Engine, http_client: httpx.AsyncClient
) -> Sequence[Any]:
    http = HttpActivities(
        engine,
        http_client,
        http_retry_window(settings),
        allow_private_networks=settings.http_allow_private_networks,
    )
    records = RecordActivities(engine)
    segments = SegmentActivities(engine)
    journey = JourneyActivities(engine)
    activities = [
        http.http_call,
        records.record_delivery,
        records.record_conversion,
        records.finish_enrollment,
        segments.refresh,
        journey.evaluate_branch,
        journey.update_profile,
        journey.send_window_opening,
    ]
    if settings.email_task_queue is None:
        activities.append(_email_activities(settings, engine).send_email)
    return activities


def _email_activities(settings: Settings, engine: Engine) -> EmailActivities:
    return EmailActivities(
        engine,
        SmtpConfig.from_settings(settings),
        email_retry_window(settings),
        UnsubscribeLinks.from_settings(settings),
    )


def build_worker(
    client: Client, settings: Settings, engine: Engine, http_client: httpx.AsyncClient
) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[EnrollmentWorkflow, SegmentRefreshWorkflow],
        workflow_runner=worker_runner(),
        activities=build_activities(settings, engine, http_client),
        max_concurrent_activities=100,
    )


def build_email_worker(client: Client, settings: Settings, engine: Engine) -> Worker | None:
    """With FLOWLINE_EMAIL_MAX_PER_SECOND, emails go through their own task queue, whose rate
    the Temporal server enforces across every worker of the fleet."""
    if settings.email_task_queue is None:
        return None
    return Worker(
        client,
        task_queue=settings.email_task_queue,
        activities=[_email_activities(settings, engine).send_email],
        max_task_queue_activities_per_second=settings.email_max_per_second,
        max_concurrent_activities=100,
    )


async def run_worker(settings: Settings, engine: Engine | None = None) -> None:
    """Run until cancelled; long-lived clients open once here."""
    engine = engine or make_engine(settings.resolved_database_url)
    client = await connect(settings)
    await register_search_attributes(client, settings.temporal_namespace)
    await ensure_refresh_schedule(
        client, settings.task_queue, timedelta(seconds=settings.segment_refresh_seconds)
    )
    # Redirects are not followed: a 3xx is the target's answer, recorded as such.
    async with httpx.AsyncClient(follow_redirects=False) as http_client:
        workers = [build_worker(client, settings, engine, http_client)]
        email_worker = build_email_worker(client, settings, engine)
        if email_worker is not None:
            workers.append(email_worker)
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
