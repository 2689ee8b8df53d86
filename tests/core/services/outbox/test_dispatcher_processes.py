"""Two `flowline worker` processes on one database: one dispatches at a time; when it stops —
paused (SIGSTOP) past its lease on PostgreSQL, killed on SQLite — the other takes over, and
when the paused one wakes up it changes nothing: per-profile order kept, nothing started twice."""

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session, col, select

from flowline.core.models.enrollments import Enrollment
from flowline.core.models.outbox import DispatcherLease, OutboxIntent
from flowline.core.services.outbox import dispatch_jobs as dispatch
from flowline.core.services.outbox import intents as outbox
from flowline.core.services.outbox.lease_jobs import NAME
from flowline.worker.segment_refresh import refresh_workflow_id
from testkit.eventually import eventually
from tests.api.steps import wait_step
from tests.support.flowline_harness import Flowline
from tests.support.manual_dispatch import WithoutARunningDispatcher
from tests.support.private_temporal import runs_per_id

PROFILES = 8
LEASE_SECONDS = 2


@contextmanager
def worker_processes(
    flowline: Flowline, logs: Path, count: int
) -> Iterator[list[subprocess.Popen[bytes]]]:
    settings = flowline.settings
    env = {
        **os.environ,
        "FLOWLINE_DATABASE_URL": settings.resolved_database_url,
        "FLOWLINE_TEMPORAL_ADDRESS": settings.temporal_address,
        "FLOWLINE_TASK_QUEUE": settings.task_queue,
        "FLOWLINE_DATA_DIR": str(logs),
        "FLOWLINE_SECRET_KEY": "test-secret-key",
        "FLOWLINE_SMTP_HOST": "127.0.0.1",
        "FLOWLINE_SMTP_PORT": str(flowline.mailbox.port),
        "FLOWLINE_DISPATCHER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    processes = []
    for i in range(count):
        log = (logs / f"worker-{i}.log").open("wb")
        command = [str(Path(sys.executable).parent / "flowline"), "worker"]
        processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def lease_holder(flowline: Flowline) -> tuple[int, int] | None:
    """(pid, token) of the process holding the lease, if any."""
    with Session(flowline.engine) as session:
        row = session.get(DispatcherLease, NAME)
        if row is None or not row.holder:
            return None
        return int(row.holder.split(":")[1]), row.token


class TestWorkerProcesses(WithoutARunningDispatcher):  # the processes dispatch, not the test
    async def test_the_other_worker_takes_over_a_stopped_dispatcher_without_reordering(
        self, flowline: Flowline, tmp_path: Path
    ) -> None:
        postgres = flowline.engine.dialect.name == "postgresql"
        workflow = await flowline.workflow(
            goal={"event": "purchase"}, exit_on_goal=True, steps=[wait_step("PT1H")]
        )
        tag = uuid.uuid4().hex[:6]  # the session's dev server outlives the tables
        profiles = [f"p-proc-{tag}-{i}" for i in range(PROFILES)]
        with worker_processes(flowline, tmp_path, 2) as processes:
            by_pid = {p.pid: p for p in processes}

            async def someone_leads() -> bool:
                held = lease_holder(flowline)
                return held is not None and held[0] in by_pid

            await eventually(someone_leads, 60, "a worker process holding the lease")
            held = lease_holder(flowline)
            assert held is not None
            leader_pid, first_token = held
            leader = by_pid[leader_pid]
            for profile_id in profiles[: PROFILES // 2]:
                await flowline.event(profile_id, "registered")
                await flowline.event(profile_id, "purchase")
            # Stopped with whatever it was doing. A process stopped inside an SQLite write
            # transaction would hold the file's lock: on SQLite the holder dies instead.
            leader.send_signal(signal.SIGSTOP if postgres else signal.SIGKILL)

            async def taken_over() -> bool:
                now = lease_holder(flowline)
                return now is not None and now[0] != leader_pid

            await eventually(taken_over, 30, "the other process taking the lease over")
            held = lease_holder(flowline)
            assert held is not None and held[1] > first_token
            for profile_id in profiles[PROFILES // 2 :]:
                await flowline.event(profile_id, "registered")
                await flowline.event(profile_id, "purchase")

            async def all_converted() -> bool:
                items = await flowline.enrollments_of(workflow["id"])
                return len(items) >= PROFILES and all(e["status"] == "converted" for e in items)

            await eventually(all_converted, 90, "every enrollment converted")
            if postgres:
                leader.send_signal(signal.SIGCONT)  # wakes up long after its lease ended
                log = tmp_path / f"worker-{processes.index(leader)}.log"

                async def noticed() -> bool:
                    return b"outbox lease lost" in log.read_bytes()

                await eventually(noticed, 30, "the woken process noticing it lost the lease")
            await flowline.settled(timeout=30)

        # The workers started the segment-refresh loop; nothing polls its queue any more.
        loop = refresh_workflow_id(flowline.settings.task_queue)
        await flowline.temporal.get_workflow_handle(loop).terminate("test over")
        items = await flowline.enrollments_of(workflow["id"])
        assert sorted(e["profile_id"] for e in items) == sorted(profiles)
        assert {(e["status"], e["converted"]) for e in items} == {("converted", True)}
        with Session(flowline.engine) as session:
            starts = session.exec(
                select(OutboxIntent).where(col(OutboxIntent.kind) == outbox.START)
            ).all()
            triggers = Counter(session.exec(select(Enrollment.trigger_id)).all())
        assert len(starts) == PROFILES and all(i.done_at is not None for i in starts)
        assert triggers == {dispatch.trigger_id(i): 1 for i in starts}
        runs: Counter[str] = Counter()

        async def all_visible() -> bool:
            nonlocal runs
            queue = flowline.settings.task_queue
            query = f"TaskQueue = '{queue}' AND WorkflowType = 'EnrollmentWorkflow'"
            runs = await runs_per_id(flowline.temporal, query)
            return sum(runs.values()) >= PROFILES

        await eventually(all_visible, 15, "every run visible in Temporal")
        assert sorted(runs.values()) == [1] * PROFILES
