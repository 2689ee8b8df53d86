"""`GET /metrics`: Prometheus text, no API key, figures read back after a real enrollment; and
the Temporal SDK's own metrics served by the runtime at FLOWLINE_TEMPORAL_METRICS_ADDRESS; and
/metrics on a port of its own (FLOWLINE_METRICS_PORT) for `flowline api`."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from flowline.core.database import session_scope
from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.outbox.intents import EXIT
from flowline.core.timestamps import utcnow
from testkit.eventually import eventually, eventually_sync
from testkit.ports import free_port
from tests.api.steps import email_step
from tests.support.flowline_harness import Flowline

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
    workflow = await flowline.workflow()
    await flowline.profile("p-1")
    response = await flowline.enroll(workflow["id"], "p-1")
    await flowline.ended(response.json()["id"])

    queue = flowline.settings.task_queue

    def samples(families: dict[str, Any], name: str) -> list[Any]:
        family = families.get(name)
        return [s for s in family.samples if s.labels.get("task_queue") == queue] if family else []

    # The database records the end from inside the last workflow task, a moment before the
    # workflow completes: poll the runtime until it counted the completion.
    families: dict[str, Any] = {}
    async with httpx.AsyncClient() as client:

        async def counted() -> bool:
            scraped = await client.get(f"http://{SDK_METRICS_ADDRESS}/metrics")
            families.update({f.name: f for f in text_string_to_metric_families(scraped.text)})
            completed = samples(families, "temporal_workflow_completed")
            return bool(completed) and completed[0].value >= 1

        await eventually(counted, 20, lambda: f"a completion counted in {sorted(families)}", 0.2)
    # The enrollment's bookkeeping runs as a local activity.
    assert samples(families, "temporal_local_activity_execution_latency")


def test_metrics_port_serves_metrics_there_and_not_beside_the_public_pages(
    tmp_path: Path,
) -> None:
    api_port, metrics_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWLINE_")} | {
        "FLOWLINE_DATA_DIR": str(tmp_path),
        "FLOWLINE_SECRET_KEY": "metrics-test-secret",
        "FLOWLINE_TEMPORAL_ADDRESS": "127.0.0.1:9",  # not needed to serve pages and figures
        "FLOWLINE_API_PORT": str(api_port),
        "FLOWLINE_METRICS_PORT": str(metrics_port),
    }
    log = tmp_path / "api.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "flowline"), "api"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        public = f"http://127.0.0.1:{api_port}"

        def answering() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                httpx.get(f"{public}/health", timeout=2)
                return True
            except httpx.TransportError:
                return False

        eventually_sync(answering, 30, lambda: log.read_text())

        on_public_port = httpx.get(f"{public}/metrics", timeout=5)
        unsubscribe_page = httpx.get(f"{public}/u/not-a-token", timeout=5)
        on_own_port = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5)

        assert on_public_port.status_code == 404
        assert unsubscribe_page.json()["detail"] == "unknown unsubscribe link"
        assert on_own_port.status_code == 200
        figures = samples(on_own_port.text)
        assert figures[("flowline_database_up", ())] == 1.0
        assert ("flowline_events_ingested_total", ()) in figures
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    with pytest.raises(httpx.TransportError):  # stopped with the API
        httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2)
