"""`GET /v1/campaigns/{id}/stats` and the per-step figures of the workflow stats, on the real
stack: a send the SMTP server refuses, a one-click unsubscribe from the received mail, a
complaint naming the mail's Message-ID, a test enrollment left out."""

import re
from typing import Any

import sqlalchemy as sa

from tests.api.error_shape import assert_error
from tests.api.steps import email_step
from tests.api.test_email_feedback import ingest_key
from tests.support.flowline_harness import Flowline

FIGURES = {
    "sent",
    "opened",
    "clicked",
    "click_to_open",
    "unsubscribed",
    "bounced",
    "complained",
    "open_rate",
    "click_rate",
}


async def stats_of(flowline: Flowline, campaign_id: int) -> dict[str, Any]:
    response = await flowline.api.get(f"/v1/campaigns/{campaign_id}/stats")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def sent_to(flowline: Flowline, workflow_id: int, profile_id: str, **extra: Any) -> int:
    enrolled = await flowline.enroll(workflow_id, profile_id, **extra)
    assert enrolled.status_code in (200, 201, 202), enrolled.text
    ended = await flowline.ended(enrolled.json()["id"])
    return int(ended["id"])


async def test_the_stats_answer_the_figures_404_for_an_unknown_campaign_and_need_admin(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()

    fresh = await stats_of(flowline, campaign["id"])
    missing = await flowline.api.get("/v1/campaigns/987654/stats")
    anonymous = await flowline.api.get(
        f"/v1/campaigns/{campaign['id']}/stats", headers={"Authorization": ""}
    )
    ingest = await flowline.api.get(
        f"/v1/campaigns/{campaign['id']}/stats",
        headers={"Authorization": f"Bearer {await ingest_key(flowline)}"},
    )

    assert fresh == dict.fromkeys(FIGURES, 0) | {
        "click_to_open": None,
        "open_rate": None,
        "click_rate": None,
    }
    assert_error(missing, 404)
    assert_error(anonymous, 401)
    assert_error(ingest, 403)


async def test_the_openapi_document_declares_the_figures_and_their_statuses(
    flowline: Flowline,
) -> None:
    document = (await flowline.api.get("/openapi.json")).json()
    operation = document["paths"]["/v1/campaigns/{campaign_id}/stats"]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/CampaignStats"}
    assert {"401", "403", "404", "422"} <= set(operation["responses"])
    schema = document["components"]["schemas"]["CampaignStats"]
    assert set(schema["properties"]) == FIGURES == set(schema["required"])
    assert schema["properties"]["open_rate"]["anyOf"][1] == {"type": "null"}
    assert "null while no email was sent" in schema["properties"]["open_rate"]["description"]
    step = document["components"]["schemas"]["StepStats"]["properties"]["email"]
    assert {"$ref": "#/components/schemas/EmailFigures"} in step["anyOf"]


async def test_a_550_to_rcpt_counts_as_bounced_and_deliveries_name_their_campaign(
    flowline: Flowline,
) -> None:
    flowline.mailbox.rcpt_replies["gone@example.test"] = "550 5.1.1 No such user here"
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
    await flowline.profile("p-gone", email="gone@example.test")
    await flowline.profile("p-here", email="here@example.test")
    await flowline.profile("p-tester", email="tester@example.test")

    for profile_id in ("p-gone", "p-here"):
        await sent_to(flowline, workflow["id"], profile_id)
    await sent_to(flowline, workflow["id"], "p-tester", test=True)

    figures = await stats_of(flowline, campaign["id"])
    assert (figures["sent"], figures["bounced"]) == (1, 1)  # the test enrollment's mail left out
    assert (figures["open_rate"], figures["click_rate"]) == (0.0, 0.0)
    with flowline.engine.connect() as connection:
        named = connection.execute(
            sa.text("SELECT status, test, campaign_id FROM deliveries ORDER BY id")
        ).all()
    assert sorted(named) == sorted(
        [
            ("failed", False, campaign["id"]),
            ("sent", False, campaign["id"]),
            ("sent", True, campaign["id"]),
        ]
    )
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    [step] = stats["steps"]
    assert (step["email"]["sent"], step["email"]["bounced"]) == (1, 1)


async def test_one_click_unsubscribe_from_the_mail_counts_once_against_its_email(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(
        consent_property="email_optin", steps=[email_step(campaign["id"])]
    )
    await flowline.profile("p-una", email="una@example.test", email_optin=True)
    await sent_to(flowline, workflow["id"], "p-una")
    [message] = flowline.mailbox.messages
    link = re.fullmatch(r"<(.+)>", str(message["List-Unsubscribe"]))
    assert link is not None
    path = "/u/" + link.group(1).rsplit("/u/", 1)[1]

    for _ in range(2):  # the second click changes nothing and counts nothing
        clicked = await flowline.api.post(
            path,
            content="List-Unsubscribe=One-Click",
            headers={
                "Authorization": "",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        assert clicked.status_code == 200

    figures = await stats_of(flowline, campaign["id"])
    assert (figures["sent"], figures["unsubscribed"]) == (1, 1)
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert stats["steps"][0]["email"]["unsubscribed"] == 1


async def test_a_complaint_naming_the_message_id_counts_as_complained(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
    await flowline.profile("p-cal", email="cal@example.test")
    await sent_to(flowline, workflow["id"], "p-cal")
    [message] = flowline.mailbox.messages
    key = await ingest_key(flowline)

    for _ in range(2):  # a provider retrying: one complaint
        answer = await flowline.api.post(
            "/v1/email-feedback",
            json={
                "type": "complaint",
                "address": "cal@example.test",
                "message_id": str(message["Message-ID"]),
            },
            headers={"Authorization": f"Bearer {key}"},
        )
        assert answer.status_code == 202, answer.text
    # Feedback found only by address names no email: suppressed, but not counted here.
    await flowline.api.post(
        "/v1/email-feedback",
        json={"type": "bounce", "address": "cal@example.test", "permanent": True},
        headers={"Authorization": f"Bearer {key}"},
    )

    figures = await stats_of(flowline, campaign["id"])
    assert (figures["sent"], figures["complained"], figures["bounced"]) == (1, 1, 0)
