"""Manual enrollments through the API, run by a real worker on a real Temporal dev server."""

from tests.support.flowline_harness import Flowline
from tests.support.mailbox import body_of


def email_step(campaign_id: int, **extra: object) -> dict[str, object]:
    return {
        "type": "send_email",
        "campaign_id": campaign_id,
        "email_property": "email",
        "merge_tags": {
            "first_name": {"property": "first_name", "default": "there"},
            "city": {"property": "city", "default": " "},
        },
        **extra,
    }


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
                "body": {"profile": "{{ profile_id }}", "note": "{{ first_name }} says \"hi\"",
                         "age": "{{ age }}"},
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
