"""Ingestion through the API: events and profile changes enroll, future-only, exactly once."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from flowline.core.models.events import Event, EventCounter
from flowline.core.models.outbox import OutboxIntent
from tests.api.steps import email_step, http_step, wait_step
from tests.support.flowline_harness import Flowline


async def test_payment_leaves_has_not_paid_segment_and_enrolls_with_mail(
    flowline: Flowline,
) -> None:
    segment = await flowline.segment({"event": "payment", "performed": False}, "Has not paid")
    campaign = await flowline.campaign()
    workflow = await flowline.workflow(
        trigger={"type": "segment_left", "segment_id": segment["id"]},
        steps=[email_step(campaign["id"])],
    )
    await flowline.profile("p-pay", email="pay@example.test", first_name="Pat")
    assert (await flowline.api.get("/v1/profiles/p-pay")).json()["segments"] == [segment["id"]]

    await flowline.event("p-pay", "payment", properties={"amount": 10})

    [message] = await flowline.mailbox.wait_for(1)
    assert message["To"] == "pay@example.test" and message["Subject"] == "Welcome, Pat!"
    [enrollment] = await flowline.enrollments_of(workflow["id"])
    assert enrollment["profile_id"] == "p-pay"


async def test_profile_already_in_segment_is_not_enrolled_one_entering_later_is(
    flowline: Flowline,
) -> None:
    segment = await flowline.segment({"property": "city", "op": "eq", "value": "Amsterdam"})
    await flowline.profile("p-before", city="Amsterdam")
    workflow = await flowline.workflow(
        trigger={"type": "segment_entered", "segment_id": segment["id"]},
    )

    await flowline.profile("p-before", first_name="Still here")  # still a member: no transition
    await flowline.profile("p-after", city="Amsterdam")
    await flowline.settled()

    enrollments = await flowline.enrollments_of(workflow["id"])
    assert [e["profile_id"] for e in enrollments] == ["p-after"]
    members = (await flowline.api.get(f"/v1/segments/{segment['id']}/members")).json()
    assert members["total"] == 2


async def test_event_trigger_with_filter_enrolls_on_ticket_not_on_shirt(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(
        trigger={
            "type": "event",
            "event": "purchase",
            "filter": {"property": "event_name", "value": "ticket"},
        },
    )
    await flowline.event("p-shirt", "purchase", properties={"event_name": "shirt"})
    await flowline.event("p-ticket", "purchase", properties={"event_name": "ticket"})
    await flowline.settled()

    enrollments = await flowline.enrollments_of(workflow["id"])
    assert [e["profile_id"] for e in enrollments] == ["p-ticket"]


async def test_disabled_workflow_never_enrolls_and_enabling_does_not_backfill(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(enabled=False)
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    await flowline.event("p-early", "registered")
    await flowline.post(f"/v1/workflows/{workflow['id']}/enable")
    await flowline.event("p-backdated", "registered", timestamp=past)
    await flowline.event("p-late", "registered")
    await flowline.settled()

    enrollments = await flowline.enrollments_of(workflow["id"])
    assert [e["profile_id"] for e in enrollments] == ["p-late"]


async def test_goal_event_during_wait_converts_and_counts(flowline: Flowline) -> None:
    target = flowline.http_target
    workflow = await flowline.workflow(
        goal={"event": "purchase"},
        exit_on_goal=True,
        steps=[http_step(target.url("/one")), wait_step("PT30S"), http_step(target.url("/two"))],
    )
    await flowline.event("p-buy", "registered")
    await flowline.event("p-window", "registered")
    await target.wait_for("/one", 2)

    await flowline.event("p-buy", "purchase")

    [buyer] = [
        e for e in await flowline.enrollments_of(workflow["id"]) if e["profile_id"] == "p-buy"
    ]
    ended = await flowline.ended(buyer["id"])
    assert (ended["status"], ended["converted"]) == ("converted", True)
    assert target.to("/two") == []
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert (stats["enrolled"], stats["active"], stats["converted"]) == (2, 1, 1)
    assert stats["conversion_rate"] == 0.5


async def test_goal_without_exit_on_goal_counts_and_the_steps_go_on(flowline: Flowline) -> None:
    target = flowline.http_target
    workflow = await flowline.workflow(
        goal={"event": "purchase"},
        exit_on_goal=False,
        steps=[http_step(target.url("/one")), wait_step("PT1S"), http_step(target.url("/two"))],
    )
    await flowline.event("p-buy2", "registered")
    await target.wait_for("/one", 1)

    await flowline.event("p-buy2", "purchase")

    [enrollment] = await flowline.enrollments_of(workflow["id"])
    ended = await flowline.ended(enrollment["id"])
    assert (ended["status"], ended["converted"]) == ("completed", True)
    assert len(target.to("/two")) == 1
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert (stats["converted"], stats["conversion_rate"]) == (1, 1.0)


async def test_a_goal_event_never_starts_an_enrollment(flowline: Flowline) -> None:
    workflow = await flowline.workflow(
        trigger={"type": "event", "event": "registered"},
        goal={"event": "purchase"},
    )
    await flowline.event("p-goal-only", "purchase")
    await flowline.settled()
    assert await flowline.enrollments_of(workflow["id"]) == []


async def test_duplicate_message_id_is_stored_once_and_enrolls_once(flowline: Flowline) -> None:
    workflow = await flowline.workflow()
    first = await flowline.event("p-dup", "registered", message_id="m-1")
    again = await flowline.event("p-dup", "registered", message_id="m-1")
    batch = await flowline.post(
        "/v1/events/batch",
        {
            "events": [
                {"profile_id": "p-dup", "name": "registered", "message_id": "m-1"},
                {"profile_id": "p-dup", "name": "clicked", "message_id": "m-2"},
                {"profile_id": "p-dup", "name": "clicked", "message_id": "m-2"},
            ]
        },
    )
    await flowline.settled()

    assert first == {"accepted": 1, "duplicates": 0}
    assert again == {"accepted": 0, "duplicates": 1}
    assert batch.status_code == 202 and batch.json() == {"accepted": 1, "duplicates": 2}
    assert len(await flowline.enrollments_of(workflow["id"])) == 1
    profile = (await flowline.api.get("/v1/profiles/p-dup")).json()
    assert sorted(e["name"] for e in profile["events"]) == ["clicked", "registered"]


async def test_batch_over_1000_is_413_and_a_bad_event_is_422_with_its_path(
    flowline: Flowline,
) -> None:
    event = {"profile_id": "p", "name": "x"}
    too_many = await flowline.post("/v1/events/batch", {"events": [event] * 1001})
    bad = await flowline.post("/v1/events/batch", {"events": [event, {"profile_id": "p"}]})

    assert too_many.status_code == 413 and too_many.json()["error"] == "PayloadTooLarge"
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["events", 1, "name"]
    with Session(flowline.engine) as session:
        assert session.exec(select(Event)).all() == []  # nothing half-written


async def test_ingest_key_posts_events(flowline: Flowline) -> None:
    key = (await flowline.post("/v1/api-keys", {"name": "shop", "scope": "ingest"})).json()["key"]
    headers = {"Authorization": f"Bearer {key}"}
    one = await flowline.api.post(
        "/v1/events", json={"profile_id": "p", "name": "x"}, headers=headers
    )
    many = await flowline.api.post(
        "/v1/events/batch", json={"events": [{"profile_id": "p", "name": "x"}]}, headers=headers
    )
    assert (one.status_code, many.status_code) == (202, 202)


async def test_concurrent_requests_for_one_profile_lose_no_count_and_enter_once(
    flowline: Flowline,
) -> None:
    segment = await flowline.segment({"event": "purchase", "performed": True, "min_count": 2})
    workflow = await flowline.workflow(
        trigger={"type": "segment_entered", "segment_id": segment["id"]},
    )
    profiles = [f"p-race-{i}" for i in range(8)]

    await asyncio.gather(*(flowline.event(pid, "purchase") for pid in profiles for _ in range(2)))
    await flowline.settled()

    with Session(flowline.engine) as session:
        counts = session.exec(
            select(EventCounter.profile_id, EventCounter.count).where(
                col(EventCounter.name) == "purchase"
            )
        ).all()
        starts = [
            i.payload["profile_id"]
            for i in session.exec(select(OutboxIntent))
            if i.kind == "start_enrollment"
        ]
    assert sorted(counts) == [(pid, 2) for pid in sorted(profiles)]
    assert sorted(starts) == sorted(profiles)
    enrolled = await flowline.enrollments_of(workflow["id"])
    assert sorted(e["profile_id"] for e in enrolled) == sorted(profiles)


async def test_erasure_removes_the_profile_data_and_exits_its_enrollments(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(steps=[wait_step("PT1H")])
    await flowline.profile("p-gdpr", email="gone@example.test")
    await flowline.event("p-gdpr", "registered", properties={"secret": "x"})
    await flowline.settled()
    [enrollment] = await flowline.enrollments_of(workflow["id"])

    response = await flowline.api.delete("/v1/profiles/p-gdpr")

    assert response.status_code == 204
    assert (await flowline.api.get("/v1/profiles/p-gdpr")).status_code == 404
    ended = await flowline.ended(enrollment["id"])
    assert (ended["status"], ended["exit_reason"]) == ("exited", "profile_deleted")
    with Session(flowline.engine) as session:
        assert session.exec(select(Event).where(Event.profile_id == "p-gdpr")).all() == []
        assert (
            session.exec(select(EventCounter).where(EventCounter.profile_id == "p-gdpr")).all()
            == []
        )


async def test_segment_goal_reached_during_wait_converts(flowline: Flowline) -> None:
    vip = await flowline.segment({"property": "plan", "op": "eq", "value": "pro"}, "Pro")
    workflow = await flowline.workflow(
        goal={"segment_entered": vip["id"]}, exit_on_goal=True, steps=[wait_step("PT1H")]
    )
    await flowline.event("p-upgrade", "registered")
    await flowline.settled()

    await flowline.profile("p-upgrade", plan="pro")

    [enrollment] = await flowline.enrollments_of(workflow["id"])
    ended = await flowline.ended(enrollment["id"])
    assert (ended["status"], ended["converted"]) == ("converted", True)


async def test_triggered_profile_without_consent_is_skipped_and_counted(
    flowline: Flowline,
) -> None:
    workflow = await flowline.workflow(consent_property="email_optin")
    await flowline.profile("p-yes", email_optin=True)
    await flowline.profile("p-no", email_optin=False)

    await flowline.event("p-yes", "registered")
    await flowline.event("p-no", "registered")
    await flowline.settled()

    enrolled = await flowline.enrollments_of(workflow["id"])
    assert [e["profile_id"] for e in enrolled] == ["p-yes"]
    stats = (await flowline.api.get(f"/v1/workflows/{workflow['id']}/stats")).json()
    assert (stats["enrolled"], stats["skipped_no_consent"]) == (1, 1)
