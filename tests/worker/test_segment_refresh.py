"""Time alone moves profiles across `within` windows: a Temporal Schedule re-evaluates them."""

from datetime import timedelta

from flowline.worker.segment_refresh import ensure_refresh_schedule
from testkit.eventually import eventually
from tests.support.flowline_harness import Flowline


async def test_profile_leaves_a_within_segment_by_time_alone_and_enrolls(
    flowline: Flowline,
) -> None:
    queue = flowline.settings.task_queue
    await ensure_refresh_schedule(flowline.temporal, queue, timedelta(seconds=1))
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

        # Up to 15 s: 3 s window + 1 s schedule + dispatch.
        enrollments = await eventually(
            lambda: flowline.enrollments_of(workflow["id"]), 15, "the segment_left enrollment"
        )

        assert [e["profile_id"] for e in enrollments] == ["p-visit"]
        members = (await flowline.api.get(f"/v1/segments/{segment['id']}/members")).json()
        assert members["total"] == 0
    finally:
        await flowline.temporal.get_schedule_handle(f"flowline-segment-refresh:{queue}").delete()
