"""`GET /metrics`: Prometheus text, no API key, figures read back after a real enrollment; and
the Temporal SDK's own metrics served by the runtime at FLOWLINE_TEMPORAL_METRICS_ADDRESS."""

import asyncio
import socket
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from flowline.core.database import session_scope
from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.outbox import EXIT
from flowline.core.timestamps import utcnow
from tests.api.steps import email_step
from tests.support.flowline_harness import Flowline


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SDK_METRICS_ADDRESS = f"127.0.0.1:{free_port()}"


@pytest.fixture
def flowline_settings() -> dict[str, object]:
    return {"temporal_metrics_address": SDK_METRICS_ADDRESS}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(flowline: Flowline) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await flowline.api.get("/metrics", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_metrics_count_one_enrollment_its_delivery_and_the_event(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(
        trigger={"type": "event", "event": "registered"}, steps=[email_step(campaign["id"])]
    )
    await flowline.profile("p-1", email="ada@example.test")
    before = await scrape(flowline)

    await flowline.event("p-1", "registered")
    await flowline.settled()
    [enrollment] = await flowline.enrollments_of(workflow["id"])
    await flowline.ended(enrollment["id"])
    after = await scrape(flowline)

    assert after[("flowline_enrollments_started_total", ())] == 1
    assert after[("flowline_enrollments_ended_total", (("status", "completed"),))] == 1
    assert after[("flowline_enrollments_ended_total", (("status", "failed"),))] == 0
    assert after[("flowline_enrollments_active", ())] == 0
    assert after[("flowline_deliveries_total", (("status", "sent"), ("type", "email")))] == 1
    assert after[("flowline_deliveries_total", (("status", "sent"), ("type", "http")))] == 0
    ingested = ("flowline_events_ingested_total", ())
    assert after[ingested] - before[ingested] == 1  # this process's counter
    assert after[("flowline_outbox_depth", ())] == 0
    assert after[("flowline_outbox_oldest_intent_age_seconds", ())] == 0
    assert after[("flowline_database_up", ())] == 1


async def test_outbox_depth_and_oldest_intent_age(flowline: Flowline) -> None:
    # Written a minute ago and not due for an hour: the dispatcher leaves it pending.
    with session_scope(flowline.engine) as session:
        session.add(
            OutboxIntent(
                kind=EXIT,
                payload={"reason": "test", "workflow_id": 0},
                created_at=utcnow() - timedelta(minutes=1),
                available_at=utcnow() + timedelta(hours=1),
            )
        )

    figures = await scrape(flowline)

    assert figures[("flowline_outbox_depth", ())] == 1
    assert 60 <= figures[("flowline_outbox_oldest_intent_age_seconds", ())] < 600


async def test_temporal_sdk_metrics_are_served_by_the_runtime(flowline: Flowline) -> None:
    workflow = await flowline.workflow(steps=[])
    await flowline.profile("p-1")
    response = await flowline.enroll(workflow["id"], "p-1")
    await flowline.ended(response.json()["id"])

    queue = flowline.settings.task_queue

    def samples(families: dict[str, Any], name: str) -> list[Any]:
        family = families.get(name)
        return [s for s in family.samples if s.labels.get("task_queue") == queue] if family else []

    # The database records the end from inside the last workflow task, a moment before the
    # workflow completes: poll the runtime until it counted the completion.
    deadline = asyncio.get_running_loop().time() + 20
    async with httpx.AsyncClient() as client:
        while True:
            scraped = await client.get(f"http://{SDK_METRICS_ADDRESS}/metrics")
            families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
            completed = samples(families, "temporal_workflow_completed")
            if completed and completed[0].value >= 1:
                break
            assert asyncio.get_running_loop().time() < deadline, sorted(families)
            await asyncio.sleep(0.2)
    # The enrollment's bookkeeping runs as a local activity.
    assert samples(families, "temporal_local_activity_execution_latency")
