"""Journeys end to end (API, outbox, Temporal, worker, HTTP target): wait for an event, branch."""

from typing import Any

from flowline.definitions.enrollment import PROGRESS_QUERY, Progress
from testkit.eventually import eventually
from tests.api.steps import http_step
from tests.support.flowline_harness import Flowline

PRO = {"property": "plan", "op": "eq", "value": "pro"}


async def details_of(flowline: Flowline, enrollment: dict[str, Any], words: str) -> str:
    """Poll the running enrollment's current details until they show `words`."""
    handle = flowline.temporal.get_workflow_handle(
        enrollment["temporal_workflow_id"], run_id=enrollment["temporal_run_id"]
    )
    details = ""

    async def shown() -> str | None:
        nonlocal details
        details = (await handle.query(PROGRESS_QUERY, result_type=Progress)).details
        return details if words in details else None

    return await eventually(shown, 30, lambda: f"{words!r} in {details!r}", interval=0.05)


async def only_enrollment(flowline: Flowline, workflow_id: int) -> dict[str, Any]:
    found = await eventually(
        lambda: flowline.enrollments_of(workflow_id), 30, "an enrollment", interval=0.05
    )
    [enrollment] = found
    return enrollment


async def test_the_awaited_event_arrives_and_the_next_step_runs_at_once(
    flowline: Flowline,
) -> None:
    target = flowline.http_target
    workflow = await flowline.workflow(
        steps=[
            {
                "type": "wait_for_event",
                "event": "purchase",
                "filter": {"property": "plan", "value": "pro"},
                "timeout": "P1D",
            },
            http_step(target.url("/after")),
        ]
    )
    await flowline.event("p-w", "registered")
    enrollment = await only_enrollment(flowline, workflow["id"])
    await details_of(flowline, enrollment, "waiting for event 'purchase'")

    await flowline.event("p-w", "purchase", properties={"plan": "basic"})  # filtered out
    await flowline.settled()
    assert target.to("/after") == []
    await flowline.event("p-w", "purchase", properties={"plan": "pro"})

    await target.wait_for("/after", 1)
    ended = await flowline.ended(enrollment["id"])
    assert ended["status"] == "completed"
    waited = next(d for d in ended["steps"] if d["step_path"] == "0")
    assert (waited["type"], waited["status"]) == ("wait_for_event", "done")
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert stats["steps"][0] | {"executed": 1, "succeeded": 1, "skipped": 0} == stats["steps"][0]


async def test_the_event_does_not_come_and_the_timeout_exits(flowline: Flowline) -> None:
    workflow = await flowline.workflow(
        steps=[
            {
                "type": "wait_for_event",
                "event": "purchase",
                "timeout": "PT1S",
                "on_timeout": "exit",
            },
            http_step(flowline.http_target.url("/never")),
        ]
    )
    await flowline.event("p-t", "registered")
    enrollment = await only_enrollment(flowline, workflow["id"])

    ended = await flowline.ended(enrollment["id"])

    assert (ended["status"], ended["exit_reason"]) == ("exited", "wait_for_event_timeout")
    assert flowline.http_target.to("/never") == []
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert (stats["steps"][0]["executed"], stats["steps"][0]["skipped"]) == (1, 1)


async def test_two_profiles_take_both_arms_and_nested_steps_carry_their_path(
    flowline: Flowline,
) -> None:
    target = flowline.http_target
    workflow = await flowline.workflow(
        steps=[
            {
                "type": "branch",
                "condition": PRO,
                "then": [
                    {
                        "type": "branch",
                        "condition": {"property": "city", "op": "eq", "value": "Amsterdam"},
                        "then": [http_step(target.url("/pro-amsterdam"))],
                        "else": [],
                    }
                ],
                "else": [http_step(target.url("/basic"))],
            },
            http_step(target.url("/both")),
        ]
    )
    await flowline.profile("p-pro", plan="pro", city="Amsterdam")
    await flowline.profile("p-basic", plan="basic")
    await flowline.event("p-pro", "registered")
    await flowline.event("p-basic", "registered")

    await target.wait_for("/both", 2)

    [pro_call] = target.to("/pro-amsterdam")
    [basic_call] = target.to("/basic")
    assert pro_call.json() == {"p": "p-pro"} and basic_call.json() == {"p": "p-basic"}
    by_profile = {e["profile_id"]: e for e in await flowline.enrollments_of(workflow["id"])}
    pro = by_profile["p-pro"]
    assert pro_call.headers["Idempotency-Key"] == (
        f"{pro['temporal_workflow_id']}:{pro['temporal_run_id']}:0.then.0.then.0"
    )
    for enrollment in by_profile.values():
        await flowline.ended(enrollment["id"])
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    funnel = {s["path"]: (s["type"], s["executed"], s["succeeded"]) for s in stats["steps"]}
    assert funnel == {
        "0": ("branch", 2, 2),
        "0.then.0": ("branch", 1, 1),
        "0.then.0.then.0": ("http_call", 1, 1),
        "0.else.0": ("http_call", 1, 1),
        "1": ("http_call", 2, 2),
    }
