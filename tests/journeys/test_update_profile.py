"""`update_profile` writes back to the profile like `PUT /v1/profiles/{id}`."""

from tests.api.steps import http_step
from tests.support.flowline_harness import Flowline

LEADS = {"property": "stage", "op": "eq", "value": "lead"}


async def test_a_written_property_enrolls_the_profile_in_another_workflow_not_its_own(
    flowline: Flowline,
) -> None:
    target = flowline.http_target
    segment = await flowline.segment(LEADS, "Leads")
    # Its own trigger is entering the segment its step puts the profile in.
    qualifier = await flowline.workflow(
        name="Qualify",
        trigger={"type": "segment_entered", "segment_id": segment["id"]},
        steps=[
            {
                "type": "update_profile",
                "properties": {"stage": "lead", "qualified_by": "{{ workflow_name }}"},
            },
            http_step(target.url("/qualified")),
        ],
    )
    follow_up = await flowline.workflow(
        name="Follow up",
        trigger={"type": "segment_entered", "segment_id": segment["id"]},
        steps=[http_step(target.url("/follow-up"))],
    )
    await flowline.profile("p-u", plan="pro")
    started = await flowline.enroll(qualifier["id"], "p-u")
    assert started.status_code == 201

    await target.wait_for("/follow-up", 1)
    await flowline.ended(started.json()["id"])
    await flowline.settled()

    profile = (await flowline.api.get("/v1/profiles/p-u")).json()
    assert profile["properties"] == {"plan": "pro", "stage": "lead", "qualified_by": "Qualify"}
    assert profile["segments"] == [segment["id"]]
    assert len(await flowline.enrollments_of(follow_up["id"])) == 1
    # Never this workflow's own trigger again, even though it has ended by now.
    assert len(await flowline.enrollments_of(qualifier["id"])) == 1
    assert len(target.to("/qualified")) == 1
    detail = await flowline.enrollment(started.json()["id"])
    [update] = [d for d in detail["steps"] if d["step_path"] == "0"]
    assert (update["type"], update["status"]) == ("update_profile", "done")


async def test_a_value_too_expensive_to_render_fails_once_and_the_enrollment_goes_on(
    flowline: Flowline,
) -> None:
    target = flowline.http_target
    loops = "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}"
    workflow = await flowline.workflow(
        name="Expensive update",
        steps=[
            {"type": "update_profile", "properties": {"stage": loops}},
            http_step(target.url("/after")),
        ],
    )
    await flowline.profile("p-x", plan="pro")
    started = await flowline.enroll(workflow["id"], "p-x")
    assert started.status_code == 201

    ended = await flowline.ended(started.json()["id"])

    assert ended["status"] == "completed", ended
    [update, after] = ended["steps"]
    assert (update["type"], update["status"], update["attempts"]) == ("update_profile", "failed", 1)
    assert update["detail"].startswith("template too expensive: its loops run more than")
    assert after["status"] == "sent"
    profile = (await flowline.api.get("/v1/profiles/p-x")).json()
    assert profile["properties"] == {"plan": "pro"}
