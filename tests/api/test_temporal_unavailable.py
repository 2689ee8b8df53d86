"""A manual enrollment while Temporal is unreachable: a 503 that says only that, in words."""

import logging
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from testkit.http_target import HttpTarget
from testkit.smtp import SmtpCapture
from testkit.temporal import restartable_dev_server
from tests.api.steps import wait_step
from tests.support.flowline_harness import running_flowline

UNAVAILABLE = {"error": "TemporalUnavailable", "detail": "the workflow engine is unavailable"}
WORKFLOW = {
    "name": "W",
    "trigger": {"type": "event", "event": "registered"},
    "steps": [wait_step("PT1H")],
}


async def test_enrolling_when_temporal_was_never_reachable_is_a_plain_503(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    workflow = (await api.post("/v1/workflows", json=WORKFLOW)).json()
    await api.put("/v1/profiles/p-1", json={"properties": {}})

    with caplog.at_level(logging.WARNING, logger="flowline.api"):
        response = await api.post(
            f"/v1/workflows/{workflow['id']}/enrollments", json={"profile_id": "p-1"}
        )

    assert response.status_code == 503
    assert response.json() == UNAVAILABLE
    assert response.headers["retry-after"] == "5"
    # The operator still learns why.
    assert "Temporal at 127.0.0.1:9 is unreachable" in caplog.text


@pytest.mark.slow
async def test_enrolling_after_temporal_went_away_is_a_plain_503(
    engine: Engine,
    mailbox: SmtpCapture,
    http_target: HttpTarget,
    tmp_path: Path,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("only Temporal's side is under test: one database is enough")
    async with (
        restartable_dev_server(tmp_path / "temporal") as server,
        running_flowline(
            engine=engine,
            temporal_address=f"{server.host}:{server.port}",
            mailbox=mailbox,
            http_target=http_target,
            data_dir=tmp_path / "flowline",
            task_queue=f"test-{uuid.uuid4().hex[:12]}",
        ) as flowline,
    ):
        workflow = await flowline.workflow(steps=[wait_step("PT1H")])
        await flowline.profile("p-1")
        await server.stop()

        response = await flowline.enroll(workflow["id"], "p-1")
        server.start()  # the worker stops cleanly only with Temporal there
        await server.wait_until_ready()

        assert response.status_code == 503
        assert response.json() == UNAVAILABLE
