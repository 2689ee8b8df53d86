"""The periodic re-evaluation of time-window segments: one long-lived workflow per task queue.

It refreshes, waits the interval, and again; it continues as new every few hundred rounds (or
when Temporal suggests it), so the Temporal Web UI's list holds one running execution and a
closed one every few hours, not one per interval. Earlier versions used a Temporal Schedule
starting a `SegmentRefreshWorkflow` per interval: the worker deletes that schedule on start.
"""

import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client, ScheduleHandle
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError
from temporalio.service import RPCError, RPCStatusCode

REFRESH_ACTIVITY = "refresh_time_window_segments"
REFRESH_TIMEOUT = timedelta(minutes=5)
REFRESH_RETRY = RetryPolicy(maximum_attempts=3)
# Rounds per run before continuing as new: at the default minute, one new run every ~8 hours.
ROUNDS_PER_RUN = 500
SET_INTERVAL = "set_interval"


def refresh_workflow_id(task_queue: str) -> str:
    return f"flowline-segment-refresh-loop:{task_queue}"


def old_schedule_id(task_queue: str) -> str:
    """The Temporal Schedule earlier versions refreshed with (one execution per interval)."""
    return f"flowline-segment-refresh:{task_queue}"


@workflow.defn(name="SegmentRefreshLoop")
class SegmentRefreshLoop:
    def __init__(self) -> None:
        self._every: float | None = None
        self._changed = False

    @workflow.run
    async def run(self, every_seconds: float, rounds: int = ROUNDS_PER_RUN) -> None:
        # A signal handled before the run began (signal-with-start, or a second worker's just
        # after) is newer than the input.
        if self._every is None:
            self._every = every_seconds
        for _ in range(rounds):
            try:
                await workflow.execute_activity(
                    REFRESH_ACTIVITY,
                    start_to_close_timeout=REFRESH_TIMEOUT,
                    retry_policy=REFRESH_RETRY,
                    summary="re-evaluate time-window segments",
                    result_type=int,
                )
            except ActivityError as error:  # the next round tries again; the loop never ends
                workflow.logger.warning("segment refresh failed: %s", error.cause or error)
            self._changed = False
            with contextlib.suppress(TimeoutError):  # the interval, or less for a new one
                await workflow.wait_condition(lambda: self._changed, timeout=self._interval())
            if workflow.info().is_continue_as_new_suggested():
                break
        workflow.continue_as_new(args=[self._every, rounds])

    def _interval(self) -> timedelta:
        return timedelta(seconds=self._every or 60.0)

    @workflow.signal(name=SET_INTERVAL)
    def set_interval(self, every_seconds: float) -> None:
        """A worker started with another FLOWLINE_SEGMENT_REFRESH_SECONDS: takes effect now."""
        if every_seconds != self._every:
            self._every = every_seconds
            self._changed = True


@workflow.defn(name="SegmentRefreshWorkflow")
class SegmentRefreshWorkflow:
    """One refresh, as the schedule of earlier versions started it: still registered so a run
    started just before an upgrade completes."""

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


async def ensure_segment_refresh(client: Client, task_queue: str, every: timedelta) -> None:
    """Start the refresh loop, or tell the running one the interval (signal-with-start: several
    workers starting at once still make one loop); and delete the per-interval schedule of
    earlier versions."""
    await client.start_workflow(
        SegmentRefreshLoop.run,
        every.total_seconds(),
        id=refresh_workflow_id(task_queue),
        task_queue=task_queue,
        start_signal=SET_INTERVAL,
        start_signal_args=[every.total_seconds()],
        static_summary="re-evaluates time-window segments",
    )
    await _delete_old_schedule(client.get_schedule_handle(old_schedule_id(task_queue)))


async def _delete_old_schedule(schedule: ScheduleHandle) -> None:
    try:
        await schedule.delete()
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
