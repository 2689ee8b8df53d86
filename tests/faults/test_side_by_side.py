"""Two `flowline api` and two `flowline worker` processes on one PostgreSQL and one Temporal
server: events stream in through both APIs while one worker is killed (-9). Every enrollment
runs once, and each profile's intents reach Temporal in the order its events were posted."""

import asyncio
from collections import Counter, defaultdict
from typing import Any

import pytest

from testkit.eventually import eventually
from testkit.http_target import HttpTarget, Received
from tests.api.steps import http_step, wait_step
from tests.faults.stack import FaultStack, Launch

pytestmark = pytest.mark.slow

PROFILES = 8
CallKey = tuple[str, str]  # (path, profile)


def call_key(call: Received) -> CallKey:
    return (call.path, str(call.json()["p"]))


async def started_at(stack: FaultStack, enrollment: dict[str, Any]) -> Any:
    handle = stack.temporal_client.get_workflow_handle(
        enrollment["temporal_workflow_id"], run_id=enrollment["temporal_run_id"]
    )
    return (await handle.describe()).start_time


async def test_two_apis_and_two_workers_one_killed_run_every_enrollment_once_in_profile_order(
    launch: Launch, http_target: HttpTarget, postgres_url: str
) -> None:
    async with launch(database_url=postgres_url, apis=2, workers=2) as stack:
        one, two = stack.clients
        doomed = stack.workers[0]
        # Exit on goal after a long wait: a signup enrollment ends `converted` only if its goal
        # reached Temporal after its start (a goal sent first finds no enrollment and is lost).
        signup = await one.workflow(
            name="Signup",
            trigger={"type": "event", "event": "signup"},
            goal={"event": "purchase"},
            exit_on_goal=True,
            steps=[wait_step("PT10M"), http_step(http_target.url("/never"))],
        )
        purchase = await two.workflow(
            name="Purchase",
            trigger={"type": "event", "event": "purchase"},
            steps=[http_step(http_target.url("/purchase"))],
        )
        profiles = [f"q-{i}" for i in range(PROFILES)]

        async def stream(index: int, profile: str) -> None:
            # A profile's two events go through different APIs, one after the other.
            first, then = (one, two) if index % 2 == 0 else (two, one)
            await first.event(profile, "signup")
            await then.event(profile, "purchase")

        half = PROFILES // 2
        await asyncio.gather(*(stream(i, p) for i, p in enumerate(profiles[:half])))
        await eventually(
            lambda: _any_call(http_target), timeout=60, what=lambda: "a first HTTP call"
        )
        doomed.kill()
        # Received but not recorded when the worker died: the one window in which a retry may
        # send a request again (with the same Idempotency-Key).
        recorded = {("/purchase", p) for p, _ in await stack.sent_deliveries(purchase["id"])}
        unreported = {call_key(c) for c in list(http_target.requests)} - recorded
        await asyncio.gather(*(stream(i, p) for i, p in enumerate(profiles[half:], half)))

        signups = await stack.all_ended(signup["id"], PROFILES)
        purchases = await stack.all_ended(purchase["id"], PROFILES)

        assert Counter(e["profile_id"] for e in signups) == Counter(profiles)
        assert Counter(e["profile_id"] for e in purchases) == Counter(profiles)
        for enrollment in signups:
            assert (enrollment["status"], enrollment["deliveries"]) == ("converted", []), enrollment
        for enrollment in purchases:
            assert enrollment["status"] == "completed", enrollment
            assert [d["status"] for d in enrollment["deliveries"]] == ["sent"], enrollment
        # Each profile's purchase enrollment was started after its signup enrollment.
        by_profile = {e["profile_id"]: e for e in purchases}
        for enrollment in signups:
            later = by_profile[enrollment["profile_id"]]
            assert await started_at(stack, enrollment) < await started_at(stack, later)

        keys: dict[CallKey, list[str]] = defaultdict(list)
        for call in http_target.requests:
            keys[call_key(call)].append(call.headers["Idempotency-Key"])
        assert set(keys) == {("/purchase", p) for p in profiles}
        for key, sent in keys.items():
            allowed = 2 if key in unreported else 1
            assert len(sent) <= allowed and len(set(sent)) == 1, f"{key} called with {sent}"
        expected_keys = {f"{e['temporal_workflow_id']}:{e['temporal_run_id']}:0" for e in purchases}
        assert {k for sent in keys.values() for k in sent} == expected_keys


async def _any_call(target: HttpTarget) -> bool:
    return bool(target.requests)
