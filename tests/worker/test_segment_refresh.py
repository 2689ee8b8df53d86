"""Time alone moves profiles across `within` windows: one long-lived workflow re-evaluates them,
so the Temporal Web UI's list does not gain an execution per interval."""

from datetime import timedelta

import pytest
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleSpec,
)
from temporalio.service import RPCError

from flowline.worker.segment_refresh import (
    SegmentRefreshLoop,
    SegmentRefreshWorkflow,
    ensure_segment_refresh,
    old_schedule_id,
    refresh_workflow_id,
)
from testkit.eventually import eventually
from tests.support.flowline_harness import Flowline


async def completed_rounds(client: Client, workflow_id: str) -> int:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return sum(
        1 for event in history.events if event.HasField("activity_task_completed_event_attributes")
    )


async def executions_of(client: Client, workflow_id: str) -> list[str]:
    return [e.run_id async for e in client.list_workflows(f"WorkflowId = '{workflow_id}'")]


async def test_profile_leaves_a_within_segment_by_time_alone_and_enrolls(
    flowline: Flowline,
) -> None:
    queue = flowline.settings.task_queue
    loop = refresh_workflow_id(queue)
    # A worker with the default minute first; one with 1 s then tells the running loop.
    await ensure_segment_refresh(flowline.temporal, queue, timedelta(seconds=60))
    await ensure_segment_refresh(flowline.temporal, queue, timedelta(seconds=1))
    try:
        segment = await flowline.segment(
            {"event": "visit", "performed": True, "within": "PT3S"}, "Visited just now"
        )
        workflow = await flowline.workflow(
            trigger={"type": "segment_left", "segment_id": segment["id"]},
        )
        await flowline.event("p-visit", "visit")
        profile = (await flowline.api.get("/v1/profiles/p-visit")).json()
        assert profile["segments"] == [segment["id"]]

        # Up to 15 s: 3 s window + 1 s refresh + dispatch.
        enrollments = await eventually(
            lambda: flowline.enrollments_of(workflow["id"]), 15, "the segment_left enrollment"
        )

        assert [e["profile_id"] for e in enrollments] == ["p-visit"]
        members = (await flowline.api.get(f"/v1/segments/{segment['id']}/members")).json()
        assert members["total"] == 0

        # Every round so far ran in one execution: one entry in the Web UI's list.
        async def several_rounds() -> bool:
            return await completed_rounds(flowline.temporal, loop) >= 4

        await eventually(several_rounds, 20, "four refresh rounds")
        assert len(await executions_of(flowline.temporal, loop)) == 1
    finally:
        await flowline.temporal.get_workflow_handle(loop).terminate("test over")


async def test_starting_a_worker_replaces_the_schedule_of_earlier_versions(
    flowline: Flowline,
) -> None:
    queue = flowline.settings.task_queue
    schedule = flowline.temporal.get_schedule_handle(old_schedule_id(queue))
    await flowline.temporal.create_schedule(
        old_schedule_id(queue),
        Schedule(
            action=ScheduleActionStartWorkflow(
                SegmentRefreshWorkflow.run, id=f"{old_schedule_id(queue)}:run", task_queue=queue
            ),
            spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=1))]),
        ),
    )
    try:
        await ensure_segment_refresh(flowline.temporal, queue, timedelta(seconds=60))
        with pytest.raises(RPCError):  # the schedule of the earlier version is gone
            await schedule.describe()
        # Again (a restart, or a second worker): still one loop, nothing to delete.
        await ensure_segment_refresh(flowline.temporal, queue, timedelta(seconds=60))
        loop = refresh_workflow_id(queue)

        async def one_run() -> bool:
            return len(await executions_of(flowline.temporal, loop)) == 1

        await eventually(one_run, 10, "exactly one refresh execution listed")
    finally:
        await flowline.temporal.get_workflow_handle(refresh_workflow_id(queue)).terminate("over")


async def test_the_loop_continues_as_new_after_its_rounds_and_goes_on(flowline: Flowline) -> None:
    loop = f"refresh-loop-test:{flowline.settings.task_queue}"
    await flowline.temporal.start_workflow(
        SegmentRefreshLoop.run,
        args=[0.2, 3],  # 3 rounds a run (500 in the product), 0.2 s apart
        id=loop,
        task_queue=flowline.settings.task_queue,
    )
    try:

        async def three_runs() -> list[str] | None:
            runs = await executions_of(flowline.temporal, loop)
            return runs if len(runs) >= 3 else None

        await eventually(three_runs, 30, "the loop continuing as new twice")
        closed = [
            e.status.name
            async for e in flowline.temporal.list_workflows(
                f"WorkflowId = '{loop}' AND ExecutionStatus = 'ContinuedAsNew'"
            )
        ]
        assert len(closed) >= 2, closed
        # The current run keeps refreshing (the interval carried over).
        await eventually(
            lambda: completed_rounds(flowline.temporal, loop), 10, "a round in the current run"
        )
    finally:
        await flowline.temporal.get_workflow_handle(loop).terminate("test over")
