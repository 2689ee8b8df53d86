"""Sending rules across workflows: the frequency cap, one-click unsubscribe (RFC 8058)."""

from typing import Any
from urllib.parse import urlsplit

from testkit.smtp import body_of
from tests.api.steps import email_step, wait_step
from tests.support.flowline_harness import Flowline

UNSUBSCRIBE_HTML = '<p>Hi {{ first_name }}</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>'


async def deliveries(flowline: Flowline, workflow_id: int) -> list[dict[str, Any]]:
    found = []
    for enrollment in await flowline.enrollments_of(workflow_id):
        ended = await flowline.ended(enrollment["id"])
        found += ended["deliveries"]
    return found


async def test_cap_of_two_a_day_lets_two_of_three_workflows_mail_and_skips_the_third(
    flowline: Flowline,
) -> None:
    put = await flowline.api.put(
        "/v1/settings", json={"email_frequency_cap": {"max": 2, "per": "P1D"}}
    )
    assert put.status_code == 200
    campaign = await flowline.campaign()
    receipt = await flowline.campaign(name="Receipt", subject="Your receipt")
    transactional = await flowline.workflow(
        name="Receipt",
        trigger={"type": "event", "event": "paid"},
        ignore_frequency_cap=True,
        steps=[email_step(receipt["id"])],
    )
    capped = [
        await flowline.workflow(name=f"News {i}", steps=[email_step(campaign["id"])])
        for i in range(3)
    ]
    await flowline.profile("p-cap", email="cap@example.test", first_name="Cap")

    # The transactional mail goes first: had it counted, only one capped mail would be left.
    await flowline.event("p-cap", "paid")
    await flowline.mailbox.wait_for(1)
    await flowline.event("p-cap", "registered")
    await flowline.settled()
    for workflow in capped:
        await deliveries(flowline, workflow["id"])

    subjects = sorted(str(m["Subject"]) for m in flowline.mailbox.messages)
    assert subjects == ["Welcome, Cap!", "Welcome, Cap!", "Your receipt"]
    found = [d for w in capped for d in await deliveries(flowline, w["id"])]
    outcomes = sorted((d["status"], d["detail"]) for d in found)
    assert [o[0] for o in outcomes] == ["sent", "sent", "skipped"]
    assert outcomes[2] == ("skipped", "frequency_cap")
    [receipt_delivery] = await deliveries(flowline, transactional["id"])
    assert receipt_delivery["status"] == "sent"
    stats = (await flowline.api.get(f"/v1/workflows/{capped[0]['id']}/stats")).json()
    assert stats["steps"][0]["executed"] == 1


async def test_one_click_unsubscribe_withdraws_consent_before_the_next_mail(
    flowline: Flowline,
) -> None:
    campaign = await flowline.campaign(html=UNSUBSCRIBE_HTML, text=None)
    workflow = await flowline.workflow(
        consent_property="email_optin",
        steps=[email_step(campaign["id"]), wait_step("PT2S"), email_step(campaign["id"])],
    )
    await flowline.profile("p-u", email="u@example.test", first_name="Una", email_optin=True)
    await flowline.event("p-u", "registered")

    [message] = await flowline.mailbox.wait_for(1)
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">")
    url = header[1:-1]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url.startswith(flowline.settings.resolved_public_url + "/u/")
    assert f'href="{url}"' in body_of(message, "html")
    assert f"Unsubscribe ({url})" in body_of(message, "plain")
    path = urlsplit(url).path

    # Tamper with a character well inside the signature: the last base64 character of a
    # signature carries unused low bits, so changing only those would not change the token.
    at = len(path) - 8
    changed = path[:at] + ("A" if path[at] != "A" else "g") + path[at + 1 :]
    assert (await flowline.api.post(changed)).status_code == 404
    clicked = await flowline.api.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"Authorization": "", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert clicked.status_code == 200

    [enrollment] = await flowline.enrollments_of(workflow["id"])
    ended = await flowline.ended(enrollment["id"])
    assert (ended["status"], ended["exit_reason"]) == ("exited", "consent_withdrawn")
    assert len(flowline.mailbox.messages) == 1
    profile = (await flowline.api.get("/v1/profiles/p-u")).json()
    assert profile["properties"]["email_optin"] is False
    unsubscribed = [e for e in profile["events"] if e["name"] == "unsubscribed"]
    assert [e["properties"] for e in unsubscribed] == [{"workflow_id": workflow["id"]}]


async def test_transactional_mail_has_no_unsubscribe_header_nor_may_use_the_link(
    flowline: Flowline,
) -> None:
    plain = await flowline.campaign()
    linked = await flowline.campaign(name="Linked", html=UNSUBSCRIBE_HTML)
    refused = await flowline.post(
        "/v1/workflows",
        {
            "name": "Receipts",
            "trigger": {"type": "event", "event": "paid"},
            "consent_property": "-",
            "steps": [email_step(linked["id"])],
        },
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["steps", 0, "campaign_id"]
    await flowline.workflow(consent_property=None, steps=[email_step(plain["id"])])
    await flowline.profile("p-t", email="t@example.test")

    await flowline.event("p-t", "registered")

    [message] = await flowline.mailbox.wait_for(1)
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
