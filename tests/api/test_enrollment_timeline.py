"""`GET /v1/enrollments/{id}`: the timeline (one entry per decision, in a marketer's words) and
`has_failures`; the lists' `has_failures` filter; the stats' `with_failures` and
`recent_failures`."""

from datetime import UTC, datetime, timedelta
from typing import Any

from testkit.eventually import eventually
from tests.api.steps import email_step, http_step, wait_step
from tests.support.flowline_harness import Flowline

PRO = {"property": "plan", "op": "eq", "value": "pro"}


def kinds(timeline: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    return [(entry["path"], entry["kind"]) for entry in timeline]


def entry(timeline: list[dict[str, Any]], kind: str, path: str | None = None) -> dict[str, Any]:
    return next(e for e in timeline if e["kind"] == kind and (path is None or e["path"] == path))


async def journey_workflow(
    flowline: Flowline, timeout: str = "PT2S", after: tuple[Any, ...] = (), **fields: Any
) -> dict[str, Any]:
    """Mail, wait, branch on the plan (Then: update the profile; Else: an HTTP call), then
    wait for a purchase (at most `timeout`), then the steps `after`."""
    campaign = await flowline.campaign(name="Festival welcome")
    return await flowline.workflow(
        steps=[
            email_step(campaign["id"]),
            wait_step("PT1S"),
            {
                "type": "branch",
                "condition": PRO,
                "then": [{"type": "update_profile", "properties": {"stage": "pro path"}}],
                "else": [http_step(flowline.http_target.url("/crm"))],
            },
            {"type": "wait_for_event", "event": "purchase", "timeout": timeout},
            *after,
        ],
        **fields,
    )


async def test_a_failed_http_step_and_a_timed_out_wait_read_as_completed_with_errors(
    flowline: Flowline,
) -> None:
    flowline.http_target.script("/crm", [503, 503, 503])
    workflow = await journey_workflow(flowline)
    await flowline.profile("p-free", email="ann@example.com", first_name="Ann", plan="free")
    await flowline.event("p-free", "registered")
    [started] = await eventually(
        lambda: flowline.enrollments_of(workflow["id"]), 30, "an enrollment", interval=0.05
    )
    ended = await flowline.ended(started["id"])

    assert ended["status"] == "completed" and ended["has_failures"] is True
    timeline = ended["timeline"]
    assert kinds(timeline) == [
        (None, "entered"),
        (None, "consent"),
        ("0", "sent"),
        ("1", "waiting"),
        ("2", "arm"),
        ("2.else.0", "failed"),
        ("3", "timed_out"),
        (None, "end"),
    ]
    entered = timeline[0]
    assert entered["facts"]["event"] == "registered" and entered["facts"]["event_id"] > 0
    assert "event 'registered'" in entered["summary"]
    assert timeline[1]["summary"] == "Consent not checked: the workflow is transactional"
    sent = entry(timeline, "sent")
    assert sent["summary"] == (
        "Sent 'Festival welcome' to a***@example.com (subject 'Welcome, {{ first_name }}!')"
    )
    assert "ann@example.com" not in str(ended)
    assert entry(timeline, "waiting")["summary"] == "Waited 1 second"
    arm = entry(timeline, "arm")
    assert arm["summary"] == "Branch: plan is 'free', the condition needs 'pro' → Else"
    assert arm["facts"]["values"] == {"plan": "free"} and arm["facts"]["arm"] == "else"
    failed = entry(timeline, "failed")
    assert failed["outcome"] == "failed" and failed["facts"]["status"] == 503
    assert failed["summary"].startswith(
        f"POST {flowline.http_target.url('/crm')} answered 503 three times: gave up"
    )
    assert "HTTP 503" in failed["summary"]
    timed_out = entry(timeline, "timed_out")
    assert timed_out["summary"] == "Waited for 'purchase' within 2 seconds: it did not come"
    end = timeline[-1]
    assert (end["summary"], end["outcome"]) == ("Completed with errors", "failed")

    base = f"/v1/workflows/{workflow['id']}/enrollments"
    failing = (await flowline.api.get(f"{base}?has_failures=true")).json()["items"]
    assert [e["id"] for e in failing] == [ended["id"]] and failing[0]["has_failures"]
    assert (await flowline.api.get(f"{base}?has_failures=false")).json()["items"] == []
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert stats["with_failures"] == 1
    [recent] = stats["recent_failures"]
    assert (recent["path"], recent["count"]) == ("2.else.0", 1)
    assert "HTTP 503" in recent["last_error"]
    at = datetime.fromisoformat(recent["last_at"])
    assert datetime.now(UTC) - at < timedelta(minutes=5)


async def test_then_arm_update_event_arrival_goal_and_exit(flowline: Flowline) -> None:
    workflow = await journey_workflow(
        flowline,
        timeout="P1D",
        after=(wait_step("P1D"),),  # the goal ends it
        goal={"event": "ticket"},
        exit_on_goal=True,
        consent_property="email_optin",
    )
    await flowline.profile("p-pro", email="bo@example.com", plan="pro", email_optin=True)
    response = await flowline.enroll(workflow["id"], "p-pro")
    assert response.status_code == 201, response.text
    enrollment_id = response.json()["id"]

    async def waiting_for_purchase() -> dict[str, Any] | None:
        found = await flowline.enrollment(enrollment_id)
        last = found["timeline"][-1]
        return found if "Waiting for event 'purchase'" in last["summary"] else None

    active = await eventually(waiting_for_purchase, 30, "waiting for the purchase", 0.05)
    last = active["timeline"][-1]
    assert (last["kind"], last["outcome"], last["at"]) == ("waiting", "waiting", None)
    assert last["summary"].startswith("Waiting for event 'purchase'")
    assert active["has_failures"] is False

    await flowline.event("p-pro", "purchase")
    await flowline.event("p-pro", "ticket")
    ended = await flowline.ended(enrollment_id)
    timeline = ended["timeline"]
    assert ended["status"] == "converted" and not ended["has_failures"]
    assert kinds(timeline) == [
        (None, "entered"),
        (None, "consent"),
        ("0", "sent"),
        ("1", "waiting"),
        ("2", "arm"),
        ("2.then.0", "updated"),
        ("3", "arrived"),
        (None, "goal"),
        (None, "exit"),
        (None, "end"),
    ]
    assert timeline[0]["summary"] == "Enrolled by hand"
    assert timeline[1]["summary"] == "Consent: email_optin is true"
    assert entry(timeline, "arm")["summary"].endswith("→ Then")
    updated = entry(timeline, "updated")
    assert updated["summary"] == "Updated stage to 'pro path'"
    assert updated["facts"]["properties"] == {"stage": "pro path"}
    assert entry(timeline, "arrived")["summary"] == "Event 'purchase' arrived"
    assert entry(timeline, "goal")["summary"] == "Reached the goal: event 'ticket'"
    assert entry(timeline, "exit")["summary"] == "Stopped: goal reached"
    assert timeline[-1]["summary"] == "Converted"


async def test_skipped_for_each_reason_and_consent_withdrawn(flowline: Flowline) -> None:
    put = await flowline.api.put(
        "/v1/settings", json={"email_frequency_cap": {"max": 1, "per": "P7D"}}
    )
    assert put.status_code == 200
    campaign = await flowline.campaign(name="Nudge")
    workflow = await flowline.workflow(
        consent_property="email_optin",
        steps=[
            email_step(campaign["id"]),
            email_step(campaign["id"]),  # over the cap
            email_step(campaign["id"], email_property="work_email"),  # no address
            email_step(campaign["id"], email_property="list"),  # not one mailbox
            wait_step("PT2S"),
            http_step(flowline.http_target.url("/never")),
        ],
    )
    await flowline.profile(
        "p-skip", email="cy@example.com", list="a@x.test, b@x.test", email_optin=True
    )
    await flowline.event("p-skip", "registered")
    [started] = await eventually(
        lambda: flowline.enrollments_of(workflow["id"]), 30, "an enrollment", interval=0.05
    )

    async def skipped_three() -> bool:
        timeline = (await flowline.enrollment(started["id"]))["timeline"]
        return sum(e["kind"] == "skipped" for e in timeline) == 3

    await eventually(skipped_three, 30, "three skipped emails", 0.05)
    await flowline.profile("p-skip", email_optin=False)  # withdrawn during the wait
    ended = await flowline.ended(started["id"])
    timeline = ended["timeline"]
    assert (ended["status"], ended["exit_reason"]) == ("exited", "consent_withdrawn")
    skipped = [e["summary"] for e in timeline if e["kind"] == "skipped"]
    assert skipped == [
        "Skipped 'Nudge': 1 emails in the last 7 days (frequency cap)",
        "Skipped 'Nudge': no email address in 'work_email'",
        "Skipped 'Nudge' to a***@x.test: invalid address",
    ]
    assert all(e["outcome"] == "skipped" for e in timeline if e["kind"] == "skipped")
    assert entry(timeline, "exit")["summary"] == "Exited: consent withdrawn"
    assert timeline[-1]["summary"] == "Exited" and not ended["has_failures"]
    assert flowline.http_target.to("/never") == []


async def test_an_active_enrollment_waits_for_the_send_window(flowline: Flowline) -> None:
    hour = datetime.now(UTC).hour
    window = {
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "start": f"{(hour + 2) % 24:02d}:00",
        "end": f"{(hour + 3) % 24:02d}:00",
        "default_timezone": "Europe/Amsterdam",
    }
    workflow = await flowline.workflow(
        send_window=window, steps=[http_step(flowline.http_target.url("/later"))]
    )
    await flowline.profile("p-window")
    response = await flowline.enroll(workflow["id"], "p-window")
    enrollment_id = response.json()["id"]

    async def waiting() -> dict[str, Any] | None:
        last = (await flowline.enrollment(enrollment_id))["timeline"][-1]
        return last if "send window" in last["summary"] else None

    last = await eventually(waiting, 30, "waiting for the send window", 0.05)
    assert last["kind"] == "waiting" and "Europe/Amsterdam" in last["summary"]
    assert last["summary"].startswith("Waiting for the send window until ")


async def test_an_unknown_enrollment_is_404(flowline: Flowline) -> None:
    response = await flowline.api.get("/v1/enrollments/999999")
    assert response.status_code == 404
