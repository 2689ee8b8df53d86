"""Bounces and complaints from the mail provider: `POST /v1/email-feedback` and
`POST /v1/email-feedback/ses` (Amazon SES notifications as SNS posts them).

The real stack: API, worker, Temporal dev server, SMTP server and database.
"""

import base64
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.api.error_shape import assert_error
from tests.api.steps import email_step
from tests.api.test_profiles import found_in_tables
from tests.support.flowline_harness import Flowline

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ses"


def ses_notification(name: str, address: str, message_id: str = "<elsewhere@example.test>") -> str:
    """The documented SES notification JSON (tests/fixtures/ses), for one recipient."""
    text = (FIXTURES / f"{name}.json").read_text()
    filled = text.replace("{{address}}", address).replace("{{message_id}}", message_id)
    return json.dumps(json.loads(filled))


def sns_body(message: str, sns_id: str = "b8e1c3d2-51f0-5d7e-8a3b-6c7d8e9f0a1b") -> str:
    """The SNS envelope around it, as SNS posts it to an HTTP(S) subscription."""
    envelope = json.loads((FIXTURES / "sns_notification.json").read_text())
    envelope["MessageId"], envelope["Message"] = sns_id, message
    return json.dumps(envelope)


async def ingest_key(flowline: Flowline) -> str:
    created = await flowline.post("/v1/api-keys", {"name": "ses", "scope": "ingest"})
    return str(created.json()["key"])


async def post_sns(flowline: Flowline, key: str, body: str, user: str = "sns") -> httpx.Response:
    """Posted like SNS does: text/plain, HTTP Basic with the key as the password."""
    basic = base64.b64encode(f"{user}:{key}".encode()).decode()
    return await flowline.api.post(
        "/v1/email-feedback/ses",
        content=body.encode(),
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-type": "Notification",
        },
    )


async def suppression_of(flowline: Flowline, address: str) -> dict[str, Any] | None:
    found = (await flowline.api.get("/v1/suppressions", params={"address": address})).json()
    return found["items"][0] if found["items"] else None


async def events_of(flowline: Flowline, profile_id: str, name: str) -> list[dict[str, Any]]:
    profile = (await flowline.api.get(f"/v1/profiles/{profile_id}")).json()
    return [e for e in profile["events"] if e["name"] == name]


async def sent_message_id(flowline: Flowline, profile_id: str, address: str) -> tuple[str, int]:
    """Send one workflow email to the profile; its Message-ID and its delivery's id."""
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(name=f"To {profile_id}", steps=[email_step(campaign["id"])])
    await flowline.profile(profile_id, email=address)
    enrolled = (await flowline.enroll(workflow["id"], profile_id)).json()
    await flowline.ended(enrolled["id"])
    [message] = [m for m in flowline.mailbox.messages if m["To"] == address]
    with flowline.engine.connect() as connection:
        delivery_id = connection.execute(
            sa.text("SELECT id FROM deliveries WHERE enrollment_id = :e"), {"e": enrolled["id"]}
        ).scalar_one()
    return str(message["Message-ID"]), delivery_id


async def test_ses_permanent_bounce_suppresses_records_the_event_and_stops_the_next_send(
    flowline: Flowline,
) -> None:
    message_id, delivery_id = await sent_message_id(flowline, "p-ses", "sam@example.test")
    key = await ingest_key(flowline)
    # Reported in another case than the profile holds, and found by the Message-ID.
    body = sns_body(ses_notification("bounce_permanent", "Sam@Example.test", message_id))

    answer = await post_sns(flowline, key, body)
    repeated = await post_sns(flowline, key, body)  # SNS retrying: one event

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"type": "Notification", "suppressed": 1, "events": 1, "unknown": 0}
    assert repeated.json()["events"] == 0
    row = await suppression_of(flowline, "sam@example.test")
    assert row is not None and row["reason"] == "hard_bounce"
    assert row["detail"].startswith("SES Permanent General bounce: smtp; 550 5.1.1 <s***@")
    [bounced] = await events_of(flowline, "p-ses", "email_bounced")
    assert bounced["properties"]["permanent"] is True
    assert bounced["properties"]["delivery_id"] == delivery_id
    assert "sam@example.test" not in json.dumps(bounced).lower()

    connections = len(flowline.mailbox.connections)
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(name="Later", steps=[email_step(campaign["id"])])
    enrolled = (await flowline.enroll(workflow["id"], "p-ses")).json()
    ended = await flowline.ended(enrolled["id"])
    assert [(d["status"], d["detail"]) for d in ended["deliveries"]] == [("skipped", "suppressed")]
    assert len(flowline.mailbox.connections) == connections


async def test_ses_complaint_is_found_by_address_and_suppresses(flowline: Flowline) -> None:
    await flowline.profile("p-cross", email="cross@example.test")
    key = await ingest_key(flowline)

    answer = await post_sns(
        flowline, key, sns_body(ses_notification("complaint", "cross@example.test"))
    )

    assert answer.json() == {"type": "Notification", "suppressed": 1, "events": 1, "unknown": 0}
    row = await suppression_of(flowline, "cross@example.test")
    assert row is not None and (row["reason"], row["detail"]) == (
        "complaint",
        "SES complaint (abuse)",
    )
    [complained] = await events_of(flowline, "p-cross", "email_complained")
    assert complained["properties"] == {"reason": "SES complaint (abuse)"}


async def test_ses_transient_bounce_records_the_event_but_does_not_suppress(
    flowline: Flowline,
) -> None:
    await flowline.profile("p-full", email="full@example.test")
    key = await ingest_key(flowline)

    answer = await post_sns(
        flowline, key, sns_body(ses_notification("bounce_transient", "full@example.test"))
    )

    assert answer.json() == {"type": "Notification", "suppressed": 0, "events": 1, "unknown": 0}
    assert await suppression_of(flowline, "full@example.test") is None
    [bounced] = await events_of(flowline, "p-full", "email_bounced")
    assert bounced["properties"]["permanent"] is False


async def test_subscription_confirmation_is_logged_and_never_fetched(
    flowline: Flowline, caplog: pytest.LogCaptureFixture
) -> None:
    key = await ingest_key(flowline)
    body = (FIXTURES / "sns_subscription_confirmation.json").read_text()
    with caplog.at_level(logging.WARNING):
        answer = await post_sns(flowline, key, body)
    assert answer.status_code == 200
    assert answer.json()["type"] == "SubscriptionConfirmation"
    logged = [
        r.getMessage() for r in caplog.records if "SubscriptionConfirmation" in r.getMessage()
    ]
    assert logged and "Action=ConfirmSubscription" in logged[0] and "never fetches" in logged[0]


async def test_the_ses_endpoint_asks_for_basic_auth_and_refuses_bad_notifications(
    flowline: Flowline,
) -> None:
    body = sns_body(ses_notification("complaint", "x@example.test"))
    anonymous = await flowline.api.post(
        "/v1/email-feedback/ses", content=body, headers={"Authorization": ""}
    )
    assert_error(anonymous, 401)
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert_error(await post_sns(flowline, "not-a-key", body), 401)
    key = await ingest_key(flowline)
    bearer = await flowline.api.post(
        "/v1/email-feedback/ses", content=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert bearer.status_code == 200

    for bad in [sns_body("not json"), sns_body(json.dumps({"notificationType": "Bounce"})), "{"]:
        refused = await post_sns(flowline, key, bad)
        assert_error(refused, 422)
        assert "Message" in refused.text or "JSON" in refused.text, refused.text


async def test_generic_feedback_bounces_complaints_and_unknown_addresses(
    flowline: Flowline,
) -> None:
    message_id, delivery_id = await sent_message_id(flowline, "p-gen", "gen@example.test")
    key = await ingest_key(flowline)
    ingest = {"Authorization": f"Bearer {key}"}

    async def feedback(**body: Any) -> httpx.Response:
        return await flowline.api.post("/v1/email-feedback", json=body, headers=ingest)

    hard = await feedback(
        type="bounce",
        address="gen@example.test",
        permanent=True,
        message_id=message_id,
        detail="550 gen@example.test unknown",
    )
    soft = await feedback(type="bounce", address="soft@example.test", permanent=False)
    unknown = await feedback(type="complaint", address="nobody@example.test")

    assert (hard.status_code, hard.json()) == (202, {"suppressed": 1, "events": 1, "unknown": 0})
    assert soft.json() == {"suppressed": 0, "events": 0, "unknown": 1}
    assert unknown.json() == {"suppressed": 1, "events": 0, "unknown": 1}
    row = await suppression_of(flowline, "gen@example.test")
    assert row is not None and row["detail"] == "550 g***@example.test unknown"
    assert await suppression_of(flowline, "soft@example.test") is None
    assert (await suppression_of(flowline, "nobody@example.test") or {})["reason"] == "complaint"
    [bounced] = await events_of(flowline, "p-gen", "email_bounced")
    assert bounced["properties"] == {
        "permanent": True,
        "reason": "550 g***@example.test unknown",
        "delivery_id": delivery_id,
    }
    for body, loc in [
        ({"type": "bounce", "address": "a@b.test"}, []),
        ({"type": "bounce", "address": "nope", "permanent": True}, ["address"]),
        ({"type": "opened", "address": "a@b.test"}, ["type"]),
    ]:
        refused = await feedback(**body)
        assert_error(refused, 422, *([loc] if loc else []))
    missing = await feedback(type="bounce", address="a@b.test")
    assert "Say whether the bounce is permanent" in missing.text


async def test_erasing_the_profile_keeps_the_suppression_and_no_plain_address(
    flowline: Flowline,
) -> None:
    address = "erin.q@example.test"
    await sent_message_id(flowline, "p-erin", address)
    flowline.mailbox.rcpt_replies[address] = "550 5.1.1 No such user"
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(name="Bounce", steps=[email_step(campaign["id"])])
    enrolled = (await flowline.enroll(workflow["id"], "p-erin")).json()
    await flowline.ended(enrolled["id"])
    await flowline.post("/v1/email-feedback", {"type": "complaint", "address": address})
    assert await suppression_of(flowline, address) is not None
    assert await events_of(flowline, "p-erin", "email_bounced")

    assert (await flowline.api.delete("/v1/profiles/p-erin")).status_code == 204
    await flowline.settled()

    assert found_in_tables(flowline, address) == []
    assert found_in_tables(flowline, "erin.q") == []
    row = await suppression_of(flowline, address)
    assert row is not None and row["reason"] == "hard_bounce"
    # A new profile with the address is still not mailed.
    await flowline.profile("p-erin-2", email=address)
    again = await flowline.workflow(name="Again", steps=[email_step(campaign["id"])])
    ended = await flowline.ended((await flowline.enroll(again["id"], "p-erin-2")).json()["id"])
    assert ended["deliveries"][0]["detail"] == "suppressed"


async def test_addresses_listed_by_feedback_are_in_the_audit_log_once_by_the_key_that_sent_it(
    flowline: Flowline,
) -> None:
    key = await ingest_key(flowline)
    as_key = {"Authorization": f"Bearer {key}"}
    hard = {"type": "bounce", "address": "hard@example.test", "permanent": True}
    soft = {"type": "bounce", "address": "soft@example.test", "permanent": False}
    for body in (hard, hard, soft):
        answer = await flowline.api.post("/v1/email-feedback", json=body, headers=as_key)
        assert answer.status_code == 202, answer.text
    ses = sns_body(ses_notification("complaint", "ses@example.test"))
    assert (await post_sns(flowline, key, ses)).status_code == 200

    found = await flowline.api.get("/v1/audit", params={"object_type": "suppression"})
    entries = found.json()["items"]

    # A repeat (already listed) and a transient bounce (never listed) add nothing.
    assert sorted((e["action"], e["object"]["name"], e["summary"]) for e in entries) == [
        ("suppression.added", "h***@example.test", "reason hard_bounce, from email feedback"),
        ("suppression.added", "s***@example.test", "reason complaint, from Amazon SES feedback"),
    ]
    assert {(e["actor"]["type"], e["actor"]["name"]) for e in entries} == {("api_key", "ses")}
    assert "hard@example.test" not in found.text and "ses@example.test" not in found.text
