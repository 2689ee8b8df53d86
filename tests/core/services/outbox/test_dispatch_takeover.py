"""Several dispatchers: one at a time, per-profile order kept, no intent started twice even when
a dispatcher is paused past its lease and sends its work after another took over."""

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select
from temporalio.client import Client, WorkflowExecutionStatus

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.outbox import OutboxIntent
from flowline.core.services.enrollments import start_jobs as enrollments
from flowline.core.services.enrollments.start_jobs import prepare_input, start_enrollment
from flowline.core.services.outbox import dispatch_jobs as dispatch
from flowline.core.services.outbox import intents as outbox
from flowline.core.services.outbox.dispatch_jobs import run_dispatcher
from flowline.core.services.outbox.lease_jobs import Lease
from flowline.core.temporal import connect
from flowline.core.temporal_executions import start_execution
from flowline.definitions.enrollment import enrollment_workflow_id
from testkit.eventually import eventually
from tests.api.steps import http_step, wait_step
from tests.support.flowline_harness import Flowline
from tests.support.manual_dispatch import WithoutARunningDispatcher
from tests.support.private_temporal import runs_per_id
from tests.support.raw_starts import start_options

PROFILES = 12


def stored_intents(flowline: Flowline) -> list[OutboxIntent]:
    with session_scope(flowline.engine) as session:
        return list(session.exec(select(OutboxIntent).order_by(col(OutboxIntent.id))))


def enrollments_by_trigger(flowline: Flowline) -> Counter[str | None]:
    with session_scope(flowline.engine) as session:
        return Counter(session.exec(select(Enrollment.trigger_id)).all())


@pytest.fixture
def duplicate_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Runs a starter had to delete as duplicates: none when the request id did its work."""
    deleted: list[str] = []
    real = enrollments.delete_execution

    async def recording(client: Client, workflow_id: str, run_id: str, timeout: Any) -> bool:
        deleted.append(run_id)
        return await real(client, workflow_id, run_id, timeout)

    monkeypatch.setattr(enrollments, "delete_execution", recording)
    return deleted


class PauseGate:
    """Holds one dispatcher's Temporal calls — after its lease checks, before the call — as a
    process paused at the worst moment would."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.held = 0
        self.sent_late = 0
        self.rounds_ended_open = 0  # its dispatch rounds that ended once the gate was open
        self.open = asyncio.Event()

    def wrap(self, real: Any) -> Any:
        async def gated(engine: Any, client: Client, *args: Any, **kwargs: Any) -> Any:
            if client is self.client and not self.open.is_set():
                self.held += 1
                await self.open.wait()
                self.sent_late += 1
            return await real(engine, client, *args, **kwargs)

        return gated

    def count_rounds(self, real: Any) -> Any:
        async def counted(engine: Any, client: Client, *args: Any, **kwargs: Any) -> Any:
            try:
                return await real(engine, client, *args, **kwargs)
            finally:
                if client is self.client and self.open.is_set():
                    self.rounds_ended_open += 1

        return counted


class TestTwoDispatchers(WithoutARunningDispatcher):  # the test runs its own two
    async def test_a_dispatcher_paused_past_its_lease_neither_reorders_nor_starts_twice(
        self, flowline: Flowline, monkeypatch: pytest.MonkeyPatch, duplicate_runs: list[str]
    ) -> None:
        workflow = await flowline.workflow(
            goal={"event": "purchase"}, exit_on_goal=True, steps=[wait_step("PT1H")]
        )
        tag = uuid.uuid4().hex[:6]  # the session's dev server outlives the tables
        profiles = [f"p-two-{tag}-{i}" for i in range(PROFILES)]
        paused_client = await connect(flowline.settings)
        gate = PauseGate(paused_client)
        for name in ("start_enrollment", "deliver_goal"):
            monkeypatch.setattr(dispatch, name, gate.wrap(getattr(dispatch, name)))
        monkeypatch.setattr(dispatch, "dispatch_once", gate.count_rounds(dispatch.dispatch_once))
        ttl = timedelta(seconds=1)
        paused_lease = Lease(flowline.engine, "paused", ttl)
        successor_lease = Lease(flowline.engine, "successor", ttl)

        async def post(profile_id: str, name: str) -> None:
            await flowline.event(profile_id, name)

        # First half: each profile's start, then its goal, interleaved across profiles.
        half = PROFILES // 2
        for i in range(half):
            await post(profiles[i], "registered")
            if i:
                await post(profiles[i - 1], "purchase")
        await post(profiles[half - 1], "purchase")

        settings = flowline.settings
        dispatchers = [
            asyncio.create_task(
                run_dispatcher(flowline.engine, paused_client, settings, 0.05, paused_lease)
            )
        ]
        try:

            async def paused_mid_dispatch() -> bool:
                return gate.held > 0

            await eventually(paused_mid_dispatch, 15, "the first dispatcher holding intents")
            first_token = paused_lease.token
            dispatchers.append(
                asyncio.create_task(
                    run_dispatcher(
                        flowline.engine, flowline.temporal, settings, 0.05, successor_lease
                    )
                )
            )

            async def taken_over() -> bool:
                return successor_lease.valid()

            await eventually(taken_over, 15, "the second dispatcher taking the lease over")
            assert successor_lease.token == (first_token or 0) + 1
            # Second half, while the successor dispatches.
            for i in range(half, PROFILES):
                await post(profiles[i], "registered")
                await post(profiles[i], "purchase")

            async def all_converted() -> bool:
                items = await flowline.enrollments_of(workflow["id"])
                return len(items) >= PROFILES and all(e["status"] == "converted" for e in items)

            await eventually(all_converted, 60, "every enrollment converted")
            # The paused dispatcher wakes up and sends what it held, long after.
            gate.open.set()

            async def stale_calls_sent() -> bool:
                return gate.sent_late == gate.held

            await eventually(stale_calls_sent, 15, "the paused dispatcher's late calls")
            await flowline.settled()

            async def paused_round_over() -> bool:
                return gate.rounds_ended_open > 0

            # Its lanes have stopped and its results were fenced out (or it had none).
            await eventually(paused_round_over, 15, "the paused dispatcher's round ending")
        finally:
            for task in dispatchers:
                task.cancel()
            await asyncio.gather(*dispatchers, return_exceptions=True)

        assert gate.held >= 1 and gate.sent_late == gate.held
        assert duplicate_runs == []  # the late starts got their runs back by request id
        items = await flowline.enrollments_of(workflow["id"])
        assert sorted(e["profile_id"] for e in items) == sorted(profiles)  # one each
        assert {(e["status"], e["converted"]) for e in items} == {("converted", True)}
        starts = [i for i in stored_intents(flowline) if i.kind == outbox.START]
        assert len(starts) == PROFILES and all(i.done_at is not None for i in starts)
        triggers = enrollments_by_trigger(flowline)
        assert triggers == {dispatch.trigger_id(i): 1 for i in starts}
        expected = {enrollment_workflow_id(workflow["id"], p): 1 for p in profiles}
        runs: Counter[str] = Counter()

        async def all_visible() -> bool:
            nonlocal runs
            query = f"TaskQueue = '{settings.task_queue}'"  # the dev server outlives this test
            runs = await runs_per_id(flowline.temporal, query)
            return sum(runs.values()) >= PROFILES

        await eventually(all_visible, 15, "every run visible in Temporal")
        assert runs == expected


async def test_a_start_sent_again_after_its_run_completed_gets_that_run(
    flowline: Flowline, duplicate_runs: list[str]
) -> None:
    """Two dispatchers sending one start intent, the second after the first run had ended."""
    workflow = await flowline.workflow()
    profile_id = f"p-req-{uuid.uuid4().hex[:8]}"
    await flowline.profile(profile_id)
    request_id = str(uuid.uuid4())

    async def start() -> Any:
        return await start_enrollment(
            flowline.engine,
            flowline.temporal,
            flowline.settings,
            workflow["id"],
            profile_id,
            trigger_id=f"trigger-{request_id}",
            request_id=request_id,
        )

    first = await start()
    assert first.enrollment.id is not None
    assert (await flowline.ended(first.enrollment.id))["status"] == "completed"

    again = await start()

    assert (again.created, again.enrollment.id) == (False, first.enrollment.id)
    assert duplicate_runs == []
    temporal_id = enrollment_workflow_id(workflow["id"], profile_id)
    runs = await runs_per_id(flowline.temporal, f"WorkflowId = '{temporal_id}'")
    assert runs == {temporal_id: 1}


async def test_a_start_sent_after_a_later_run_is_undone_and_does_nothing(
    flowline: Flowline, duplicate_runs: list[str]
) -> None:
    """The request id no longer matches the current run: Temporal starts a run, which is deleted,
    and which could not act anyway."""
    workflow = await flowline.workflow(steps=[http_step(flowline.http_target.url("/late"))])
    profile_id = f"p-late-{uuid.uuid4().hex[:8]}"
    await flowline.profile(profile_id)
    request_id = str(uuid.uuid4())
    trigger = f"trigger-{request_id}"
    engine, client, settings = flowline.engine, flowline.temporal, flowline.settings
    first = await start_enrollment(
        engine, client, settings, workflow["id"], profile_id, trigger_id=trigger,
        request_id=request_id,
    )  # fmt: skip
    temporal_id = enrollment_workflow_id(workflow["id"], profile_id)
    # Closed in Temporal, not only recorded as ended: else "use existing" would answer.
    await client.get_workflow_handle(temporal_id, run_id=first.enrollment.temporal_run_id).result()
    later = (await flowline.enroll(workflow["id"], profile_id)).json()  # by hand: a new run
    await client.get_workflow_handle(temporal_id, run_id=later["temporal_run_id"]).result()
    await flowline.http_target.wait_for("/late", 2)

    stale = await start_enrollment(
        engine, client, settings, workflow["id"], profile_id, trigger_id=trigger,
        request_id=request_id,
    )  # fmt: skip

    assert (stale.created, stale.enrollment.id) == (False, first.enrollment.id)
    assert len(duplicate_runs) == 1
    expected = {first.enrollment.temporal_run_id, later["temporal_run_id"]}

    async def only_the_two_runs() -> bool:
        query = f"WorkflowId = '{temporal_id}'"
        return {e.run_id async for e in client.list_workflows(query)} == expected

    await eventually(only_the_two_runs, 15, "the duplicate run deleted")
    assert len(flowline.http_target.to("/late")) == 2
    assert sum(enrollments_by_trigger(flowline).values()) == 2


async def test_a_duplicate_run_left_behind_fails_at_once_without_acting(
    flowline: Flowline,
) -> None:
    """If the stale starter died before deleting its duplicate, the run ends by itself."""
    workflow = await flowline.workflow(steps=[http_step(flowline.http_target.url("/dup"))])
    profile_id = f"p-dup-{uuid.uuid4().hex[:8]}"
    await flowline.profile(profile_id)
    trigger = f"trigger-{uuid.uuid4()}"
    engine, client, settings = flowline.engine, flowline.temporal, flowline.settings
    first = await start_enrollment(
        engine, client, settings, workflow["id"], profile_id, trigger_id=trigger
    )
    temporal_id = enrollment_workflow_id(workflow["id"], profile_id)
    await client.get_workflow_handle(temporal_id, run_id=first.enrollment.temporal_run_id).result()
    await flowline.http_target.wait_for("/dup", 1)

    # What the dying starter sent: the same trigger, a run Temporal had to start anew.
    input = await asyncio.to_thread(prepare_input, engine, workflow["id"], profile_id, False)
    input.trigger_id = trigger
    options = start_options(temporal_id, settings.task_queue, "a duplicate")
    duplicate = await start_execution(client, input, options)
    assert duplicate.started and duplicate.run_id != first.enrollment.temporal_run_id

    handle = client.get_workflow_handle(temporal_id, run_id=duplicate.run_id)

    async def failed() -> bool:
        status = (await handle.describe()).status
        return status == WorkflowExecutionStatus.FAILED

    await eventually(failed, 30, "the duplicate run failing")
    assert len(flowline.http_target.to("/dup")) == 1
    assert sum(enrollments_by_trigger(flowline).values()) == 1
