"""Manual enrollments through the API, run by a real worker on a real Temporal dev server."""

import uuid

from temporalio.client import WorkflowExecution

from testkit.eventually import eventually
from testkit.smtp import body_of
from tests.api.error_shape import assert_error
from tests.api.steps import email_step, http_step, wait_step
from tests.support.flowline_harness import Flowline


async def test_manual_enrollment_sends_rendered_mail_and_http_call(flowline: Flowline) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(
        steps=[
            email_step(campaign["id"]),
            {
                "type": "http_call",
                "method": "POST",
                "url": flowline.http_target.url("/crm/tasks?who={{ profile_id }}"),
                "headers": {"X-Profile": "{{ first_name }}"},
                "body": {
                    "profile": "{{ profile_id }}",
                    "note": '{{ first_name }} says "hi"',
                    "age": "{{ age }}",
                },
            },
        ]
    )
    await flowline.profile("p-1", email="ada@example.test", first_name="<Ada>", age=36)

    response = await flowline.enroll(workflow["id"], "p-1")
    assert response.status_code == 201, response.text
    enrollment = await flowline.ended(response.json()["id"])

    assert enrollment["status"] == "completed"
    assert [d["status"] for d in enrollment["deliveries"]] == ["sent", "sent"]
    [message] = await flowline.mailbox.wait_for(1)
    assert message["To"] == "ada@example.test"
    assert message["From"] == "hello@flowline.test"
    assert message["Subject"] == "Welcome, <Ada>!"
    assert "Hello &lt;Ada&gt;, see you in ." in body_of(message, "html")
    assert "Hello <Ada>, see you in ." in body_of(message, "plain")
    [call] = flowline.http_target.to("/crm/tasks")
    assert call.path == "/crm/tasks?who=p-1"
    assert call.headers["X-Profile"] == "<Ada>"
    run_id = enrollment["temporal_run_id"]
    assert call.headers["Idempotency-Key"] == f"enroll:{workflow['id']}:p-1:{run_id}:1"
    assert call.json() == {"profile": "p-1", "note": '<Ada> says "hi"', "age": 36}
    assert enrollment["temporal_ui_url"].endswith(
        f"/namespaces/default/workflows/enroll%3A{workflow['id']}%3Ap-1/{run_id}/history"
    )


async def test_duplicate_manual_enrollment_while_running_leaves_one(flowline: Flowline) -> None:
    workflow = await flowline.workflow(steps=[wait_step("PT1H")])
    await flowline.profile("p-dup")

    first = await flowline.enroll(workflow["id"], "p-dup")
    second = await flowline.enroll(workflow["id"], "p-dup")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    listing = await flowline.api.get(f"/v1/workflows/{workflow['id']}/enrollments")
    assert listing.json()["total"] == 1


async def test_enrollment_keeps_its_version_after_the_workflow_is_edited(
    flowline: Flowline,
) -> None:
    target = flowline.http_target
    body = {
        "name": "Versioned",
        "trigger": {"type": "event", "event": "registered"},
        "steps": [wait_step(1), http_step(target.url("/v1-hook"))],
    }
    workflow = await flowline.workflow(**body)
    await flowline.profile("p-ver")
    enrolled = (await flowline.enroll(workflow["id"], "p-ver")).json()

    edited = await flowline.api.put(
        f"/v1/workflows/{workflow['id']}",
        json={**body, "steps": [wait_step(1), http_step(target.url("/v2-hook"))]},
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2

    ended = await flowline.ended(enrolled["id"])
    assert ended["status"] == "completed" and ended["version"] == 1
    assert len(target.to("/v1-hook")) == 1 and target.to("/v2-hook") == []


async def test_visibility_query_finds_the_enrollment_by_profile(flowline: Flowline) -> None:
    workflow = await flowline.workflow(steps=[wait_step("PT1H")])
    # The session's dev server outlives the tables: each backend's run of this test may get the
    # same workflow id.
    profile_id = f"p-visible-{uuid.uuid4().hex[:8]}"
    await flowline.profile(profile_id)
    enrolled = (await flowline.enroll(workflow["id"], profile_id)).json()

    async def visible() -> list[WorkflowExecution]:  # visibility is eventually consistent
        return [
            w
            async for w in flowline.temporal.list_workflows(
                f"FlowlineProfileId='{profile_id}' AND FlowlineWorkflowId={workflow['id']}"
            )
        ]

    found = await eventually(visible, 5, "the run visible by its search attributes")
    assert [w.run_id for w in found] == [enrolled["temporal_run_id"]]
    assert found[0].workflow_type == "EnrollmentWorkflow"


async def test_test_enrollment_on_a_disabled_workflow(flowline: Flowline) -> None:
    workflow = await flowline.workflow(enabled=False)
    await flowline.profile("p-test")

    refused = await flowline.enroll(workflow["id"], "p-test")
    assert refused.status_code == 409 and refused.json()["error"] == "WorkflowDisabled"

    accepted = await flowline.enroll(workflow["id"], "p-test", test=True)
    assert accepted.status_code == 201
    assert (await flowline.ended(accepted.json()["id"]))["test"] is True
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert stats["enrolled"] == 0  # test enrollments stay out of the figures


async def test_profile_without_consent_is_not_enrolled_and_counted(flowline: Flowline) -> None:
    workflow = await flowline.workflow(consent_property="email_optin")
    await flowline.profile("p-no", email_optin=False)

    response = await flowline.enroll(workflow["id"], "p-no")

    assert response.status_code == 409 and response.json()["error"] == "ConsentMissing"
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert stats["skipped_no_consent"] == 1 and stats["enrolled"] == 0


async def test_reentry_never_refuses_a_second_enrollment(flowline: Flowline) -> None:
    workflow = await flowline.workflow(reentry="never")
    # Unique: the session's dev server outlives the tables, and "never" asks Temporal too.
    profile_id = f"p-once-{uuid.uuid4().hex[:8]}"
    await flowline.profile(profile_id)
    first = await flowline.enroll(workflow["id"], profile_id)
    assert first.status_code == 201, first.text
    await flowline.ended(first.json()["id"])

    again = await flowline.enroll(workflow["id"], profile_id)

    assert again.status_code == 409 and again.json()["error"] == "ReentryNotAllowed"


async def test_reentry_after_completion_starts_a_new_run(flowline: Flowline) -> None:
    workflow = await flowline.workflow(steps=[http_step(flowline.http_target.url("/again"))])
    await flowline.profile("p-again")
    first = (await flowline.enroll(workflow["id"], "p-again")).json()
    await flowline.ended(first["id"])

    second = await flowline.enroll(workflow["id"], "p-again")

    assert second.status_code == 201
    await flowline.ended(second.json()["id"])
    keys = {r.headers["Idempotency-Key"] for r in flowline.http_target.to("/again")}
    assert len(keys) == 2  # the run id tells the two enrollments apart


async def test_disable_with_exit_ends_running_enrollments(flowline: Flowline) -> None:
    workflow = await flowline.workflow(steps=[wait_step("P1D"), wait_step("P1D")])
    await flowline.profile("p-exit")
    enrolled = (await flowline.enroll(workflow["id"], "p-exit")).json()

    refused = await flowline.api.delete(f"/v1/workflows/{workflow['id']}")
    assert refused.status_code == 409
    response = await flowline.post(f"/v1/workflows/{workflow['id']}/disable", {"in_flight": "exit"})
    assert response.status_code == 200 and response.json()["enabled"] is False

    ended = await flowline.ended(enrolled["id"])
    assert (ended["status"], ended["exit_reason"]) == ("exited", "disabled")
    deleted = await flowline.api.delete(f"/v1/workflows/{workflow['id']}")
    assert deleted.status_code == 204


async def test_enrolling_an_unknown_profile_is_422_naming_the_field(flowline: Flowline) -> None:
    workflow = await flowline.workflow()

    response = await flowline.enroll(workflow["id"], "nobody")

    # Not 404: the workflow the path names exists (a client would think it was gone).
    assert_error(response, 422, ["profile_id"])
    assert (await flowline.enroll(workflow["id"] + 1, "nobody")).status_code == 404
