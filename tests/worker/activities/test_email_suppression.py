"""Hard bounces at send time and the suppression list, against a real SMTP server (aiosmtpd),
a real Temporal dev server and the real database."""

from typing import Any

from testkit.eventually import eventually
from tests.api.steps import email_step
from tests.support.flowline_harness import Flowline

GONE = "gone@example.test"


def events_named(profile: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in profile["events"] if e["name"] == name]


async def test_550_to_rcpt_is_a_hard_bounce_and_the_next_send_is_skipped_without_smtp(
    flowline: Flowline,
) -> None:
    flowline.mailbox.rcpt_replies[GONE] = "550 5.1.1 No such user here"
    campaign = await flowline.campaign()
    first = await flowline.workflow(steps=[email_step(campaign["id"])])
    # The bounce is an event like any other: it starts workflows triggered by it.
    follow_up = await flowline.workflow(
        name="After a bounce", trigger={"type": "event", "event": "email_bounced"}
    )
    await flowline.profile("p-gone", email=GONE, first_name="Gil")

    enrolled = (await flowline.enroll(first["id"], "p-gone")).json()
    ended = await flowline.ended(enrolled["id"])

    [delivery] = ended["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("failed", 1)
    assert delivery["detail"] == "hard bounce: rejected by the SMTP server (550 to RCPT)"
    listed = (await flowline.api.get("/v1/suppressions", params={"address": GONE})).json()
    [row] = listed["items"]
    assert (row["address"], row["reason"]) == ("g***@example.test", "hard_bounce")
    assert "550 to RCPT" in row["detail"]
    profile = (await flowline.api.get("/v1/profiles/p-gone")).json()
    [bounced] = events_named(profile, "email_bounced")
    assert bounced["properties"]["permanent"] is True
    assert bounced["properties"]["reason"] == "rejected by the SMTP server (550 to RCPT)"
    assert isinstance(bounced["properties"]["delivery_id"], int)

    async def follow_up_started() -> bool:
        return bool(await flowline.enrollments_of(follow_up["id"]))

    await eventually(follow_up_started, 30, "the workflow triggered by email_bounced")

    second = await flowline.workflow(name="Newsletter", steps=[email_step(campaign["id"])])
    connections = len(flowline.mailbox.connections)
    enrolled = (await flowline.enroll(second["id"], "p-gone")).json()
    ended = await flowline.ended(enrolled["id"])

    [skipped] = ended["deliveries"]
    assert (skipped["status"], skipped["detail"]) == ("skipped", "suppressed")
    assert len(flowline.mailbox.connections) == connections  # no SMTP connection at all
    words = [entry["summary"] for entry in ended["timeline"]]
    assert "Skipped 'Welcome #1' to g***@example.test: the address is on the suppression list" in (
        words
    ), words


async def test_other_addresses_still_receive_and_removal_lets_mail_through(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
    added = await flowline.post("/v1/suppressions", {"address": "Ann@Example.test"})
    assert added.status_code == 201
    await flowline.profile("p-ann", email="ann@example.test")
    await flowline.profile("p-bo", email="bo@example.test")

    ann = await flowline.ended((await flowline.enroll(workflow["id"], "p-ann")).json()["id"])
    bo = await flowline.ended((await flowline.enroll(workflow["id"], "p-bo")).json()["id"])

    assert ann["deliveries"][0]["detail"] == "suppressed"  # matched whatever the case
    assert bo["deliveries"][0]["status"] == "sent"
    assert flowline.mailbox.recipients == [["bo@example.test"]]

    removed = await flowline.api.request(
        "DELETE", "/v1/suppressions", json={"address": "ann@example.test"}
    )
    assert removed.status_code == 204
    again = await flowline.workflow(name="Again", steps=[email_step(campaign["id"])])
    ann = await flowline.ended((await flowline.enroll(again["id"], "p-ann")).json()["id"])
    assert ann["deliveries"][0]["status"] == "sent"


async def test_a_4xx_to_rcpt_is_retried_not_a_bounce(flowline: Flowline) -> None:
    flowline.mailbox.rcpt_replies["busy@example.test"] = "451 4.3.0 Try again later"
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(steps=[email_step(campaign["id"])])
    await flowline.profile("p-busy", email="busy@example.test")

    enrolled = (await flowline.enroll(workflow["id"], "p-busy")).json()

    async def refused_twice() -> bool:
        return len(flowline.mailbox.connections) >= 2

    await eventually(refused_twice, 30, "a retry after the 451")
    del flowline.mailbox.rcpt_replies["busy@example.test"]
    ended = await flowline.ended(enrolled["id"])
    assert ended["deliveries"][0]["status"] == "sent"
    listed = (await flowline.api.get("/v1/suppressions")).json()
    assert listed["total"] == 0
