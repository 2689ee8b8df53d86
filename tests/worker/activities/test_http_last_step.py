"""A run that ends on an HTTP call: the call's activity writes the enrollment's ending with its
delivery (one transaction, no finishing write by the run), on the real stack."""

import asyncio

from temporalio.api.enums.v1 import EventType

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.services.enrollments.record_jobs import end_enrollment
from flowline.definitions.enrollment import enrollment_workflow_id
from tests.api.steps import http_step
from tests.support.flowline_harness import Flowline


async def _history_events(
    flowline: Flowline, workflow_id: int, profile_id: str, closed: bool = False
) -> list[int]:
    handle = flowline.temporal.get_workflow_handle(enrollment_workflow_id(workflow_id, profile_id))
    if closed:  # the database has the ending before Temporal closes the run
        await asyncio.wait_for(handle.result(), 30)
    return [event.event_type for event in (await handle.fetch_history()).events]


async def test_a_run_ending_on_an_http_call_is_ended_by_that_call_without_a_finishing_write(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(steps=[http_step(flowline.http_target.url("/last"))])
    await flowline.profile("p-last")
    enrolled = await flowline.enroll(workflow["id"], "p-last")
    assert enrolled.status_code == 201, enrolled.text

    enrollment = await flowline.ended(enrolled.json()["id"])

    assert (enrollment["status"], enrollment["steps_completed"]) == ("completed", 1)
    assert enrollment["ended_at"] is not None
    assert [d["status"] for d in enrollment["deliveries"]] == ["sent"]
    events = await _history_events(flowline, workflow["id"], "p-last", closed=True)
    assert EventType.EVENT_TYPE_MARKER_RECORDED not in events  # no local activity
    assert events[-1] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED


async def test_a_goal_while_the_last_http_call_runs_replaces_the_ending_it_wrote(
    flowline: Flowline,
) -> None:
    gate = flowline.http_target.hold("/slow")
    workflow = await flowline.workflow(
        steps=[http_step(flowline.http_target.url("/slow"))],
        goal={"event": "purchase"},
        exit_on_goal=True,
    )
    await flowline.profile("p-goal")
    enrolled = await flowline.enroll(workflow["id"], "p-goal")
    assert enrolled.status_code == 201, enrolled.text
    await flowline.http_target.wait_for("/slow", 1)
    await flowline.event("p-goal", "purchase")
    deadline = asyncio.get_running_loop().time() + 30
    signalled = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    while signalled not in await _history_events(flowline, workflow["id"], "p-goal"):
        assert asyncio.get_running_loop().time() < deadline, "the goal never reached the run"
        await asyncio.sleep(0.05)

    gate.set()
    # The call writes `completed` as it ends; the run, which saw the goal, then replaces it
    # before it closes.
    handle = flowline.temporal.get_workflow_handle(enrollment_workflow_id(workflow["id"], "p-goal"))
    await asyncio.wait_for(handle.result(), 30)
    enrollment = await flowline.enrollment(enrolled.json()["id"])

    assert (enrollment["status"], enrollment["exit_reason"]) == ("converted", "goal_reached")
    assert enrollment["converted_at"] is not None
    assert [d["status"] for d in enrollment["deliveries"]] == ["sent"]


async def test_replacing_a_step_ending_keeps_any_other_ending(flowline: Flowline) -> None:
    workflow = await flowline.workflow(steps=[http_step(flowline.http_target.url("/x"))])
    await flowline.profile("p-kept")
    enrolled = await flowline.enroll(workflow["id"], "p-kept")
    ended = await flowline.ended(enrolled.json()["id"])
    assert ended["status"] == "completed"

    # An erasure's ending (or any but `completed`) is never replaced...
    _end(flowline, ended["id"], "exited", "profile_deleted")
    assert _status(flowline, ended["id"]) == ("exited", "profile_deleted")  # replaced `completed`
    _end(flowline, ended["id"], "converted", "goal_reached")
    assert _status(flowline, ended["id"]) == ("exited", "profile_deleted")


def _end(flowline: Flowline, enrollment_id: int, status: str, reason: str) -> None:
    with session_scope(flowline.engine) as session:
        end_enrollment(
            session,
            enrollment_id,
            status=status,
            reason=reason,
            steps_completed=1,
            converted_at=None,
            replaces_step_ending=True,
        )


def _status(flowline: Flowline, enrollment_id: int) -> tuple[str, str | None]:
    with session_scope(flowline.engine) as session:
        row = session.get(Enrollment, enrollment_id)
        assert row is not None
        return row.status, row.exit_reason
