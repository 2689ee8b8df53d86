"""`deliver_goal` and exits reach running enrollments by signal only."""

from datetime import UTC, datetime

from flowline.core.services.enrollments.signal_jobs import deliver_goal
from tests.api.steps import email_step, http_step, wait_step
from tests.support.flowline_harness import Flowline


async def goal_workflow(flowline: Flowline, *, exit_on_goal: bool) -> dict[str, object]:
    return await flowline.workflow(
        goal={"event": "purchase", "filter": {"property": "plan", "value": "pro"}},
        exit_on_goal=exit_on_goal,
        steps=[
            http_step(flowline.http_target.url("/first")),
            wait_step("PT2S"),
            http_step(flowline.http_target.url("/second")),
        ],
    )


async def test_goal_during_wait_with_exit_on_goal_converts_and_stops(flowline: Flowline) -> None:
    workflow = await goal_workflow(flowline, exit_on_goal=True)
    await flowline.profile("p-goal")
    enrolled = (await flowline.enroll(workflow["id"], "p-goal")).json()
    await flowline.http_target.wait_for("/first", 1)

    other = await deliver_goal(
        flowline.engine, flowline.temporal, "p-goal", "purchase", {"plan": "free"}
    )
    hit = await deliver_goal(
        flowline.engine,
        flowline.temporal,
        "p-goal",
        "purchase",
        {"plan": "pro"},
        event_id="evt-1",
        at=datetime.now(UTC),
    )

    assert (other, hit) == (0, 1)
    ended = await flowline.ended(enrolled["id"])
    assert (ended["status"], ended["converted"]) == ("converted", True)
    assert flowline.http_target.to("/second") == []
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert (stats["enrolled"], stats["converted"], stats["conversion_rate"]) == (1, 1, 1.0)
    assert [s["executed"] for s in stats["steps"]] == [1, 0, 0]


async def test_goal_without_exit_on_goal_records_conversion_and_goes_on(
    flowline: Flowline,
) -> None:
    workflow = await goal_workflow(flowline, exit_on_goal=False)
    await flowline.profile("p-goal2")
    enrolled = (await flowline.enroll(workflow["id"], "p-goal2")).json()
    await flowline.http_target.wait_for("/first", 1)

    await deliver_goal(flowline.engine, flowline.temporal, "p-goal2", "purchase", {"plan": "pro"})

    ended = await flowline.ended(enrolled["id"])
    assert (ended["status"], ended["converted"]) == ("completed", True)
    assert len(flowline.http_target.to("/second")) == 1
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert (stats["completed"], stats["converted"], stats["conversion_rate"]) == (1, 1, 1.0)
    assert [s["executed"] for s in stats["steps"]] == [1, 1, 1]


async def test_goal_never_starts_an_enrollment(flowline: Flowline) -> None:
    workflow = await goal_workflow(flowline, exit_on_goal=True)
    await flowline.profile("p-none")

    delivered = await deliver_goal(
        flowline.engine, flowline.temporal, "p-none", "purchase", {"plan": "pro"}
    )

    assert delivered == 0
    listing = await flowline.api.get(f"/v1/workflows/{workflow['id']}/enrollments")
    assert listing.json()["total"] == 0


async def test_consent_withdrawn_during_wait_ends_before_the_next_send(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(
        consent_property="email_optin",
        steps=[email_step(campaign["id"]), wait_step("PT1S"), email_step(campaign["id"])],
    )
    await flowline.profile("p-consent", email="c@example.test", email_optin=True)
    enrolled = (await flowline.enroll(workflow["id"], "p-consent")).json()
    await flowline.mailbox.wait_for(1)

    await flowline.profile("p-consent", email_optin=False)

    ended = await flowline.ended(enrolled["id"])
    assert (ended["status"], ended["exit_reason"]) == ("exited", "consent_withdrawn")
    assert len(flowline.mailbox.messages) == 1
