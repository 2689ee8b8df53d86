"""Disable and delete: "finish" lets running enrollments complete and enrolls no one new; "exit"
ends them now; a workflow is deleted only once nothing runs."""

import uuid

from sqlmodel import Session, col, select

from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.outbox import intents as outbox
from tests.api.steps import http_step, wait_step
from tests.support.flowline_harness import Flowline


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"  # the session's dev server outlives the tables


async def test_disable_finish_lets_running_ones_complete_and_enrolls_no_one_new(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(
        steps=[wait_step("PT2S"), http_step(flowline.http_target.url("/after-disable"))]
    )
    running, late = unique("p-running"), unique("p-late")
    await flowline.event(running, "registered")
    await flowline.settled()
    [enrollment] = await flowline.enrollments_of(workflow["id"])

    response = await flowline.post(f"/v1/workflows/{workflow['id']}/disable")  # "finish"
    assert response.status_code == 200 and response.json()["enabled"] is False
    assert (await flowline.enrollment(enrollment["id"]))["status"] == "active"  # still waiting
    await flowline.event(late, "registered")
    await flowline.settled()

    ended = await flowline.ended(enrollment["id"])
    assert (ended["status"], ended["steps_completed"]) == ("completed", 2)
    [call] = await flowline.http_target.wait_for("/after-disable", 1)
    assert call.json() == {"p": running}
    assert [e["profile_id"] for e in await flowline.enrollments_of(workflow["id"])] == [running]
    with Session(flowline.engine) as session:
        starts = session.exec(
            select(OutboxIntent.kind).where(col(OutboxIntent.profile_id) == late)
        ).all()
    assert outbox.START not in starts  # a disabled workflow's trigger is not even queued

    await flowline.profile(late)
    refused = await flowline.enroll(workflow["id"], late)
    assert refused.status_code == 409 and refused.json()["error"] == "WorkflowDisabled"
    tested = await flowline.enroll(workflow["id"], late, test=True)
    assert tested.status_code == 201 and tested.json()["test"] is True


async def test_delete_is_refused_while_an_enrollment_runs_and_allowed_once_it_finished(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(steps=[wait_step("PT2S")])
    profile_id = unique("p-finishing")
    await flowline.event(profile_id, "registered")
    await flowline.settled()
    [enrollment] = await flowline.enrollments_of(workflow["id"])
    path = f"/v1/workflows/{workflow['id']}"
    assert (await flowline.post(f"{path}/disable", {"in_flight": "finish"})).status_code == 200

    refused = await flowline.api.delete(path)

    assert refused.status_code == 409
    assert refused.json()["error"] == "WorkflowHasRunningEnrollments"
    assert (await flowline.ended(enrollment["id"]))["status"] == "completed"
    assert (await flowline.api.delete(path)).status_code == 204
    assert (await flowline.api.get(path)).status_code == 404


async def test_disable_exit_ends_every_running_enrollment_then_delete_works(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(steps=[wait_step("P1D")])
    profiles = [unique(f"p-exit-{i}") for i in range(3)]
    for profile_id in profiles:
        await flowline.event(profile_id, "registered")
    await flowline.settled()
    enrolled = await flowline.enrollments_of(workflow["id"])
    assert len(enrolled) == len(profiles)
    path = f"/v1/workflows/{workflow['id']}"
    assert (await flowline.api.delete(path)).status_code == 409

    response = await flowline.post(f"{path}/disable", {"in_flight": "exit"})

    assert response.status_code == 200 and response.json()["enabled"] is False
    for enrollment in enrolled:
        ended = await flowline.ended(enrollment["id"])
        assert (ended["status"], ended["exit_reason"]) == ("exited", "disabled")
    stats = (await flowline.api.get(f"{path}/stats")).json()
    assert (stats["enrolled"], stats["active"], stats["exited"]) == (3, 0, 3)
    assert (await flowline.api.delete(path)).status_code == 204
