"""The outbox dispatcher: nothing lost while Temporal is down, nothing started twice."""

import asyncio
import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import col, select

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.outbox import intents as outbox
from flowline.core.timestamps import utcnow
from flowline.definitions.enrollment import enrollment_workflow_id
from testkit.eventually import eventually
from tests.api.steps import http_step, wait_step
from tests.support.flowline_harness import Flowline
from tests.support.manual_dispatch import WithoutARunningDispatcher, dispatch_all
from tests.support.private_temporal import Outage, runs_per_id


def pending_intents(engine: Engine) -> int:
    with session_scope(engine) as session:
        return outbox.pending_count(session)


def intents(engine: Engine) -> list[OutboxIntent]:
    with session_scope(engine) as session:
        return list(session.exec(select(OutboxIntent).order_by(col(OutboxIntent.id))))


async def test_events_posted_while_temporal_is_down_all_enroll_once_it_is_back(
    outage: Outage,
) -> None:
    server, flowline, engine = outage.server, outage.flowline, outage.flowline.engine
    http_target = flowline.http_target
    profiles = [f"p-down-{i}" for i in range(5)]
    workflow = await flowline.workflow(
        steps=[http_step(http_target.url("/hello")), wait_step("PT1H")]
    )
    await server.stop()

    async def event(profile_id: str, message_id: str) -> dict[str, int]:
        body = {"profile_id": profile_id, "name": "registered", "message_id": message_id}
        response = await flowline.post("/v1/events", body)
        assert response.status_code == 202, response.text
        return dict(response.json())

    for profile_id in profiles:
        assert await event(profile_id, f"m-{profile_id}") == {"accepted": 1, "duplicates": 0}
    # The same message again is a duplicate; a new "registered" is a second trigger.
    assert await event(profiles[0], f"m-{profiles[0]}") == {"accepted": 0, "duplicates": 1}
    assert await event(profiles[0], "m-again") == {"accepted": 1, "duplicates": 0}
    assert pending_intents(engine) == len(profiles) + 1

    async def failed_once() -> bool:
        return any(i.last_error for i in intents(engine))

    # Down long enough for the dispatcher to give up on an attempt and schedule a retry.
    await eventually(failed_once, 30, "a dispatch attempt failing while Temporal is down")
    assert pending_intents(engine) == len(profiles) + 1

    server.start()
    await server.wait_until_ready()

    async def all_enrolled() -> bool:
        listing = await flowline.api.get(f"/v1/workflows/{workflow['id']}/enrollments")
        return listing.json()["total"] >= len(profiles) and pending_intents(engine) == 0

    await eventually(all_enrolled, 60, "every profile enrolled and the outbox drained")
    await http_target.wait_for("/hello", len(profiles))
    handled = intents(engine)
    assert all(i.done_at is not None and i.last_error is None for i in handled), handled
    assert max(i.attempts for i in handled) >= 2  # retried after the failure

    listing = await flowline.api.get(f"/v1/workflows/{workflow['id']}/enrollments")
    enrolled = listing.json()["items"]
    assert sorted(e["profile_id"] for e in enrolled) == profiles
    assert {e["status"] for e in enrolled} == {"active"}
    calls = Counter(r.json()["p"] for r in http_target.to("/hello"))
    assert calls == dict.fromkeys(profiles, 1)

    query = f"FlowlineWorkflowId = {workflow['id']}"
    runs: Counter[str] = Counter()

    async def all_visible() -> bool:
        nonlocal runs
        runs = await runs_per_id(flowline.temporal, query)
        return len(runs) >= len(profiles)

    await eventually(all_visible, 10, "every run visible in Temporal")
    assert runs == {enrollment_workflow_id(workflow["id"], p): 1 for p in profiles}


async def test_redispatching_a_start_intent_starts_nothing_twice(flowline: Flowline) -> None:
    workflow = await flowline.workflow()
    profile_id = f"p-once-{uuid.uuid4().hex[:8]}"  # the session's dev server outlives the tables
    listing_path = f"/v1/workflows/{workflow['id']}/enrollments"

    response = await flowline.post("/v1/events", {"profile_id": profile_id, "name": "registered"})
    assert response.status_code == 202, response.text

    async def enrolled() -> bool:
        return (await flowline.api.get(listing_path)).json()["total"] > 0

    await eventually(enrolled, 15, "the event's enrollment")
    first = (await flowline.api.get(listing_path)).json()["items"][0]
    assert (await flowline.ended(first["id"]))["status"] == "completed"

    # The dispatcher "crashed" after sending the start and before marking the intent done.
    with session_scope(flowline.engine) as session:
        intent = session.exec(
            select(OutboxIntent).where(col(OutboxIntent.kind) == outbox.START)
        ).one()
        assert intent.done_at is not None and intent.last_error is None
        intent_id, attempts = intent.id, intent.attempts
        session.execute(
            update(OutboxIntent)
            .where(col(OutboxIntent.id) == intent_id)
            .values(done_at=None, available_at=utcnow() - timedelta(seconds=1))
        )

    def redone() -> OutboxIntent | None:
        with session_scope(flowline.engine) as session:
            again = session.get(OutboxIntent, intent_id)
            assert again is not None
            return again if again.done_at is not None else None

    async def dispatched_again() -> bool:
        return await asyncio.to_thread(redone) is not None

    await eventually(dispatched_again, 15, "the intent dispatched again")
    again = redone()
    assert again is not None
    assert (again.attempts, again.last_error) == (attempts + 1, "already started")

    listing = (await flowline.api.get(listing_path)).json()
    assert listing["total"] == 1
    assert listing["items"][0]["id"] == first["id"]
    temporal_id = enrollment_workflow_id(workflow["id"], profile_id)
    runs: Counter[str] = Counter()

    async def visible() -> bool:
        nonlocal runs
        runs = await runs_per_id(flowline.temporal, f"WorkflowId = '{temporal_id}'")
        return bool(runs)

    await eventually(visible, 10, "the run visible in Temporal")
    assert runs == {temporal_id: 1}


class TestWithoutARunningDispatcher(WithoutARunningDispatcher):
    async def test_goal_reached_before_the_enrollment_was_dispatched_still_converts(
        self, flowline: Flowline
    ) -> None:
        """As after an outage: trigger and goal both wait in the outbox, in that order."""
        workflow = await flowline.workflow(
            goal={"event": "purchase"}, exit_on_goal=True, steps=[wait_step("PT1H")]
        )
        await flowline.event("p-late-goal", "registered")
        await flowline.event("p-late-goal", "purchase")

        await dispatch_all(flowline)

        [enrollment] = await flowline.enrollments_of(workflow["id"])
        ended = await flowline.ended(enrollment["id"])
        assert (ended["status"], ended["converted"]) == ("converted", True)

    async def test_a_start_recorded_under_its_former_trigger_name_is_not_sent_again(
        self, flowline: Flowline
    ) -> None:
        """Sent before the upgrade (its enrollment named `outbox:<id>`), not marked done: the
        intent dispatched again after the upgrade finds that enrollment."""
        workflow = await flowline.workflow()
        profile_id = f"p-former-{uuid.uuid4().hex[:8]}"  # the dev server outlives the tables
        await flowline.event(profile_id, "registered")
        [start] = intents(flowline.engine)
        earlier = record_former_enrollment(flowline.engine, start, profile_id, start.created_at)

        await dispatch_all(flowline)

        [again] = intents(flowline.engine)
        assert (again.done_at is not None, again.last_error) == (True, "already started")
        assert [e["id"] for e in await flowline.enrollments_of(workflow["id"])] == [earlier]

    async def test_a_former_trigger_name_of_another_profile_or_time_stops_no_start(
        self, flowline: Flowline
    ) -> None:
        """Rows deleted before the upgrade left their ids to new intents: an enrollment named
        after the deleted intent (another profile, or the same id re-created later) is not
        this intent's."""
        workflow = await flowline.workflow()
        tag = uuid.uuid4().hex[:8]  # the dev server outlives the tables
        for profile_id, recorded_for, shift in (
            (f"p-new-{tag}", f"p-erased-{tag}", timedelta(0)),
            (f"p-again-{tag}", f"p-again-{tag}", timedelta(seconds=-5)),
        ):
            await flowline.event(profile_id, "registered")
            start = intents(flowline.engine)[-1]
            record_former_enrollment(flowline.engine, start, recorded_for, start.created_at + shift)

            await dispatch_all(flowline)

            [sent] = [i for i in intents(flowline.engine) if i.id == start.id]
            assert (sent.done_at is not None, sent.last_error) == (True, None)
            enrolled = [e["profile_id"] for e in await flowline.enrollments_of(workflow["id"])]
            assert enrolled.count(profile_id) == (2 if recorded_for == profile_id else 1)


def record_former_enrollment(
    engine: Engine, start: OutboxIntent, profile_id: str, started_at: datetime
) -> int:
    """An enrollment as a start sent before the upgrade recorded it: named `outbox:<id>`."""
    workflow_id = start.payload["workflow_id"]
    with session_scope(engine) as session:
        row = Enrollment(
            workflow_id=workflow_id,
            version=1,
            profile_id=profile_id,
            temporal_workflow_id=enrollment_workflow_id(workflow_id, profile_id),
            temporal_run_id=str(uuid.uuid4()),
            status="completed",
            trigger_id=f"outbox:{start.id}",
            started_at=started_at,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id
