"""`kill -9` of the API while a client posts events in a loop: every event answered 202 is
stored and triggers; an event whose request failed is retried with its `message_id` and is
then stored, and triggers, once."""

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from testkit.eventually import eventually
from testkit.http_target import HttpTarget
from tests.api.steps import http_step
from tests.faults.stack import FaultStack, Launch

pytestmark = pytest.mark.slow

# At COMMIT, a deferred constraint trigger on `events` waits for an advisory lock the test holds:
# an API's commit of an event is then in progress and cannot finish until the test lets it.
HOLD_COMMITS = [
    """CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END $$""",
    """CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_commit()""",
]
HELD_COMMITS = """SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""

EVENTS = 24
POSTERS = 3  # requests in flight at once, so the kill interrupts some
KILL_AFTER = 6  # accepted events


class EventClient:
    """Posts event i (profile `o-i`, message id `m-i`) until it gets its 202, as a client
    that retries connection errors with the same message id does."""

    def __init__(self, stack: FaultStack) -> None:
        self.api = stack.flowline.api
        self.answers: dict[int, dict[str, Any]] = {}
        self.interrupted: set[int] = set()

    async def post(self, i: int) -> None:
        body = {"profile_id": f"o-{i}", "name": "order", "message_id": f"m-{i}"}
        while True:
            try:
                response = await self.api.post("/v1/events", json=body)
            except httpx.TransportError:  # refused while down, or cut by the kill
                self.interrupted.add(i)
                await asyncio.sleep(0.05)
                continue
            assert response.status_code == 202, response.text
            self.answers[i] = response.json()
            return

    async def post_all(self) -> None:
        todo: asyncio.Queue[int] = asyncio.Queue()
        for i in range(EVENTS):
            todo.put_nowait(i)

        async def poster() -> None:
            while not todo.empty():
                await self.post(todo.get_nowait())

        await asyncio.gather(*(poster() for _ in range(POSTERS)))


async def test_api_killed_while_events_stream_in_stores_and_triggers_every_accepted_event_once(
    launch: Launch, http_target: HttpTarget
) -> None:
    async with launch() as stack:
        flowline = stack.flowline
        [api] = stack.apis
        workflow = await flowline.workflow(
            trigger={"type": "event", "event": "order"},
            steps=[http_step(http_target.url("/orders"))],
        )
        client = EventClient(stack)
        streaming = asyncio.create_task(asyncio.wait_for(client.post_all(), timeout=120))

        async def enough_accepted() -> bool:
            assert not streaming.done() or streaming.exception() is None
            return len(client.answers) >= KILL_AFTER

        await eventually(enough_accepted, timeout=60, what=lambda: f"{KILL_AFTER} accepted events")
        api.kill()
        await stack.restart(api)
        await streaming

        assert client.interrupted, "no request met the restart: the test proved nothing"
        assert sorted(client.answers) == list(range(EVENTS))
        for i, answer in client.answers.items():
            # A retried event the killed API had already committed comes back as a duplicate.
            assert answer in ({"accepted": 1, "duplicates": 0}, {"accepted": 0, "duplicates": 1})
            assert i in client.interrupted or answer["accepted"] == 1
            profile = (await flowline.api.get(f"/v1/profiles/o-{i}")).json()
            assert [(e["name"], e["message_id"]) for e in profile["events"]] == [
                ("order", f"m-{i}")
            ], profile
        ended = await stack.all_ended(workflow["id"], EVENTS)
        assert sorted(e["profile_id"] for e in ended) == sorted(f"o-{i}" for i in range(EVENTS))
        for enrollment in ended:
            assert enrollment["status"] == "completed", enrollment
            assert [d["status"] for d in enrollment["deliveries"]] == ["sent"], enrollment
        calls = http_target.to("/orders")
        assert Counter(c.json()["p"] for c in calls) == Counter(f"o-{i}" for i in range(EVENTS))
        keys = {c.headers["Idempotency-Key"] for c in calls}
        assert keys == {f"{e['temporal_workflow_id']}:{e['temporal_run_id']}:0" for e in ended}


def held_commits(engine: Engine) -> list[int] | None:
    """The database sessions whose commit waits for the test's lock, if any."""
    with engine.connect() as connection:
        return list(connection.execute(sa.text(HELD_COMMITS)).scalars()) or None


async def test_api_killed_during_its_commit_had_not_answered_202_and_the_retry_stores_once(
    launch: Launch, postgres_url: str
) -> None:
    async with launch(database_url=postgres_url, workers=0) as stack:
        flowline = stack.flowline
        [api] = stack.apis
        with stack.engine.begin() as connection:
            for statement in HOLD_COMMITS:
                connection.execute(sa.text(statement))
        event = {"profile_id": "c-1", "name": "order", "message_id": "m-1"}

        with stack.engine.connect() as holder:
            holder.execute(sa.text("SELECT pg_advisory_lock(4242)"))
            posting = asyncio.create_task(flowline.api.post("/v1/events", json=event))
            [committing] = await eventually(
                lambda: asyncio.to_thread(held_commits, stack.engine),
                timeout=30,
                what=lambda: "the API to commit the event",
            )
            api.kill()  # the process dies while its commit is in progress
            try:
                answer: object = (await posting).status_code
            except httpx.TransportError as error:
                answer = type(error).__name__
            # Its transaction never commits, as if the process had died just before COMMIT.
            holder.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": committing})
            holder.execute(sa.text("SELECT pg_advisory_unlock(4242)"))

        assert answer != 202, "answered 202 before the event was committed: a crash loses it"
        await stack.restart(api)
        first = await flowline.api.post("/v1/events", json=event)
        again = await flowline.api.post("/v1/events", json=event)
        assert (first.status_code, first.json()) == (202, {"accepted": 1, "duplicates": 0})
        assert (again.status_code, again.json()) == (202, {"accepted": 0, "duplicates": 1})
        profile = (await flowline.api.get("/v1/profiles/c-1")).json()
        assert [(e["name"], e["message_id"]) for e in profile["events"]] == [("order", "m-1")]
