"""The periodic re-evaluation of time-window segments: a Temporal Schedule runs this workflow."""

from datetime import timedelta

from temporalio import workflow
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.common import RetryPolicy

REFRESH_ACTIVITY = "refresh_time_window_segments"
REFRESH_TIMEOUT = timedelta(minutes=5)
REFRESH_RETRY = RetryPolicy(maximum_attempts=3)


@workflow.defn(name="SegmentRefreshWorkflow")
class SegmentRefreshWorkflow:
    @workflow.run
    async def run(self) -> int:
        changed: int = await workflow.execute_activity(
            REFRESH_ACTIVITY,
            start_to_close_timeout=REFRESH_TIMEOUT,
            retry_policy=REFRESH_RETRY,
            summary="re-evaluate time-window segments",
            result_type=int,
        )
        return changed


async def ensure_refresh_schedule(client: Client, task_queue: str, every: timedelta) -> None:
    """Create the schedule, or bring its interval up to date. One per task queue."""
    schedule_id = f"flowline-segment-refresh:{task_queue}"
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            SegmentRefreshWorkflow.run,
            id=f"{schedule_id}:run",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        # A slow run is not stacked on: the next one waits for it.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)
