"""`FLOWLINE_LOG_FORMAT=json`: one JSON object per line; lines logged inside an activity (and by
`workflow.logger`) carry the enrollment's workflow id (its profile part redacted) and run id.
Real dev server and worker."""

import io
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from flowline.core.log_format import log_handler

LOGGER = "flowline.test_activity"


@activity.defn
async def log_something(who: str) -> None:
    logging.getLogger(LOGGER).info("sending to %s", who)


@workflow.defn(sandboxed=False)
class LoggingWorkflow:
    @workflow.run
    async def run(self, who: str) -> None:
        workflow.logger.info("about to send")
        await workflow.execute_activity(
            log_something, who, start_to_close_timeout=timedelta(seconds=10)
        )


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


async def test_json_lines_from_an_activity_carry_workflow_and_run_id(
    dev_server: WorkflowEnvironment, json_lines: io.StringIO
) -> None:
    queue = f"logs-{uuid.uuid4().hex[:8]}"
    async with Worker(
        dev_server.client, task_queue=queue, workflows=[LoggingWorkflow], activities=[log_something]
    ):
        handle = await dev_server.client.start_workflow(
            LoggingWorkflow.run, "p-1", id=f"enroll:1:subject-{queue}", task_queue=queue
        )
        await handle.result()

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    [from_activity] = [line for line in lines if line["logger"] == LOGGER]
    assert from_activity["message"] == "sending to p-1"
    assert from_activity["level"] == "INFO"
    assert from_activity["workflow_id"] == "enroll:1:<redacted>"
    assert from_activity["run_id"] == handle.result_run_id
    assert from_activity["activity"] == "log_something"
    [from_workflow] = [line for line in lines if line["message"].startswith("about to send")]
    assert (from_workflow["workflow_id"], from_workflow["run_id"]) == (
        "enroll:1:<redacted>",
        handle.result_run_id,
    )
    assert f"subject-{queue}" not in json_lines.getvalue()  # the profile part, nowhere


def test_json_line_outside_temporal_has_no_ids_and_keeps_the_exception() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("flowline.test_plain")
    logger.addHandler(log_handler("json", stream))
    logger.propagate = False
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed %d times", 2)
    finally:
        logger.handlers.clear()
        logger.propagate = True

    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "failed 2 times" and line["level"] == "ERROR"
    assert "ValueError: boom" in line["exception"]
    assert "workflow_id" not in line and "run_id" not in line
