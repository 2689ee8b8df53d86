"""Erasure's Temporal half goes through the outbox: it waits out an outage, and it never touches
what a profile re-created under the same id does afterwards."""

import uuid

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from flowline.core.models.enrollments import Enrollment
from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.outbox import intents as outbox
from testkit.eventually import eventually
from tests.api.steps import http_step, wait_step
from tests.support.flowline_harness import Flowline
from tests.support.manual_dispatch import WithoutARunningDispatcher, dispatch_all
from tests.support.private_temporal import Outage

# Temporal deletes a closed run once its visibility record is closed: ~30 s on a dev server.
DELETION = 90


async def history_exists(client: Client, workflow_id: str, run_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


def intents_of(engine: Engine, profile_id: str) -> list[OutboxIntent]:
    with Session(engine) as session:
        query = select(OutboxIntent).where(col(OutboxIntent.profile_id) == profile_id)
        return list(session.exec(query.order_by(col(OutboxIntent.id))))


async def test_erasure_while_temporal_is_down_completes_once_it_is_back(outage: Outage) -> None:
    server, flowline, engine = outage.server, outage.flowline, outage.flowline.engine
    http_target = flowline.http_target
    workflow = await flowline.workflow(
        steps=[http_step(http_target.url("/down"), body={"c": "{{ city }}"}), wait_step("P1D")]
    )
    await flowline.profile("p-down", city="Erasmusgracht")
    await flowline.event("p-down", "registered")
    await http_target.wait_for("/down", 1)
    [enrollment] = await flowline.enrollments_of(workflow["id"])
    run = (enrollment["temporal_workflow_id"], enrollment["temporal_run_id"])
    await server.stop()

    assert (await flowline.api.delete("/v1/profiles/p-down")).status_code == 204

    # The database is erased at once; Temporal's part waits in the outbox.
    assert (await flowline.api.get("/v1/profiles/p-down")).status_code == 404
    erased = await flowline.enrollment(enrollment["id"])
    assert (erased["status"], erased["exit_reason"]) == ("exited", "profile_deleted")
    assert [d["detail"] for d in erased["deliveries"]] == ["erased with the profile"]

    async def failed_while_down() -> bool:
        return any(i.last_error for i in intents_of(engine, "p-down"))

    await eventually(failed_while_down, 30, "the erasure failing while Temporal is down")
    [waiting] = intents_of(engine, "p-down")
    assert (waiting.kind, waiting.done_at) == (outbox.ERASE, None)

    server.start()
    await server.wait_until_ready()
    await flowline.settled(timeout=60)

    assert intents_of(engine, "p-down") == []

    async def history_deleted() -> bool:
        return not await history_exists(flowline.temporal, *run)

    await eventually(history_deleted, DELETION, "the run's history deleted")


async def test_a_trigger_right_after_an_erasure_enrolls_round_after_round(
    flowline: Flowline,
) -> None:
    """Erasing a profile deletes the newest outbox rows (its intents, then its finished
    erasure): the next profile's start must not be taken for the erased one's, whose enrollment
    stays. Ten rounds in a row, each with profiles of its own."""
    workflow = await flowline.workflow()
    tag = uuid.uuid4().hex[:8]  # the session's dev server outlives the tables
    for round in range(10):
        erased, next_one = f"p-erased-{tag}-{round}", f"p-next-{tag}-{round}"
        await flowline.event(erased, "registered")
        await enrolled(flowline, workflow["id"], erased)
        assert (await flowline.api.delete(f"/v1/profiles/{erased}")).status_code == 204
        await flowline.settled()

        await flowline.event(next_one, "registered")
        await flowline.settled()

        await enrolled(flowline, workflow["id"], next_one)
        with Session(flowline.engine) as session:
            notes = session.exec(
                select(OutboxIntent.last_error).where(col(OutboxIntent.profile_id) == next_one)
            ).all()
        assert notes == [None], f"round {round}: the start was not sent ({notes})"


async def enrolled(flowline: Flowline, workflow_id: int, profile_id: str) -> None:
    async def found() -> bool:
        listing = await flowline.enrollments_of(workflow_id)
        return any(e["profile_id"] == profile_id for e in listing)

    await eventually(found, 15, f"{profile_id}'s enrollment")


class TestWithoutARunningDispatcher(WithoutARunningDispatcher):
    async def test_a_profile_recreated_after_erasure_keeps_its_new_enrollment(
        self, flowline: Flowline
    ) -> None:
        """Erased, then back under the same id before the erasure reached Temporal: the late
        erasure deletes the old run only, and the new trigger (queued after it) enrolls."""
        workflow = await flowline.workflow(steps=[wait_step("P1D")])
        profile_id = f"p-back-{uuid.uuid4().hex[:8]}"  # the dev server outlives the tables
        await flowline.event(profile_id, "registered")
        await dispatch_all(flowline)
        [old] = await flowline.enrollments_of(workflow["id"])
        assert (await flowline.api.delete(f"/v1/profiles/{profile_id}")).status_code == 204
        await flowline.event(profile_id, "registered", properties={"plan": "new"})
        queued = [i.kind for i in intents_of(flowline.engine, profile_id)]
        assert queued == [outbox.ERASE, outbox.START]

        await dispatch_all(flowline)

        assert not await history_exists(flowline.temporal, *run_of(old))  # was running
        current = [e for e in await flowline.enrollments_of(workflow["id"]) if e["id"] != old["id"]]
        assert [e["status"] for e in current] == ["active"]
        [new] = current
        assert new["temporal_run_id"] != old["temporal_run_id"]
        assert await history_exists(flowline.temporal, *run_of(new))
        assert (await flowline.enrollment(old["id"]))["exit_reason"] == "profile_deleted"
        profile = (await flowline.api.get(f"/v1/profiles/{profile_id}")).json()
        assert [(e["name"], e["properties"]) for e in profile["events"]] == [
            ("registered", {"plan": "new"})
        ]
        start = intents_of(flowline.engine, profile_id)
        assert [(i.kind, i.done_at is not None) for i in start] == [(outbox.START, True)]
        with Session(flowline.engine) as session:
            statuses = session.exec(
                select(Enrollment.status).where(col(Enrollment.profile_id) == profile_id)
            ).all()
        assert sorted(statuses) == ["active", "exited"]


def run_of(enrollment: dict[str, str]) -> tuple[str, str]:
    return enrollment["temporal_workflow_id"], enrollment["temporal_run_id"]
