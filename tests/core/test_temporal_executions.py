"""Starts with a request id of ours: eager beside a worker of the same client, plain elsewhere."""

import asyncio
import uuid

from flowline.core.services.enrollments.start_jobs import prepare_input
from flowline.core.temporal import connect
from flowline.core.temporal_executions import StartedRun, start_execution
from flowline.definitions.enrollment import enrollment_workflow_id
from tests.api.steps import http_step
from tests.support.flowline_harness import Flowline
from tests.support.raw_starts import start_options


async def _start(flowline: Flowline, path: str, *, through_worker_client: bool) -> StartedRun:
    workflow = await flowline.workflow(steps=[http_step(flowline.http_target.url(path))])
    profile_id = f"p-eager-{uuid.uuid4().hex[:8]}"
    await flowline.profile(profile_id)
    input = await asyncio.to_thread(
        prepare_input, flowline.engine, workflow["id"], profile_id, False
    )
    temporal_id = enrollment_workflow_id(workflow["id"], profile_id)
    options = start_options(temporal_id, flowline.settings.task_queue, "eager or not")
    client = flowline.temporal if through_worker_client else await connect(flowline.settings)
    run = await start_execution(client, input, options)
    # Either way the run does its work: the eagerly handed task was taken up by the worker.
    await flowline.http_target.wait_for(path, 1)
    handle = flowline.temporal.get_workflow_handle(temporal_id, run_id=run.run_id)
    await handle.result()
    return run


async def test_a_start_beside_a_worker_of_the_same_client_hands_it_the_first_task(
    flowline: Flowline,
) -> None:
    run = await _start(flowline, "/eager", through_worker_client=True)
    assert run.started and run.eager


async def test_a_start_from_a_client_without_a_worker_is_not_eager_and_still_runs(
    flowline: Flowline,
) -> None:
    run = await _start(flowline, "/not-eager", through_worker_client=False)
    assert run.started and not run.eager
