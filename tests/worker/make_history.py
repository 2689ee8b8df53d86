"""Record the history of one full enrollment, for `test_replay`.

    .venv/bin/python -m tests.worker.make_history [name]   # default name: enrollment_v1

The enrollment sends an email, waits 3 days (a goal arrives during the wait; exit_on_goal is
off, so the conversion is recorded and the steps go on), calls HTTP and sends a second email,
so the history holds a timer, a signal and every activity.

Run it only to ADD a history under a new name, never to overwrite one: each saved history
stands for enrollments that started under the workflow code of its day and may still be
running. When `EnrollmentWorkflow` changes in a way those would replay differently, guard the
change with `workflow.patched`, keep the old histories replaying, and add a new one.
"""

import asyncio
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from flowline.definitions.enrollment import GOAL_SIGNAL, PROGRESS_QUERY, GoalReached, Progress
from flowline.worker.workflows import EnrollmentWorkflow
from tests.worker.fakes import FakeActivities, enrollment_input, start_enrollment
from tests.worker.server import start_test_server

HISTORIES = Path(__file__).parent / "histories"


async def record_enrollment(env: WorkflowEnvironment) -> WorkflowHistory:
    fakes = FakeActivities()
    async with Worker(
        env.client,
        task_queue=f"flowline-history-{uuid.uuid4()}",
        workflows=[EnrollmentWorkflow],
        activities=fakes.activities(),
    ) as worker:
        handle = await start_enrollment(
            env.client, worker.task_queue, enrollment_input("history-profile")
        )
        while (
            "waiting until"
            not in (await handle.query(PROGRESS_QUERY, result_type=Progress)).details
        ):
            await asyncio.sleep(0.02)
        await env.sleep(timedelta(days=1))
        await handle.signal(
            GOAL_SIGNAL,
            GoalReached(event_id="evt-1", event="purchase", at=datetime(2026, 3, 1, tzinfo=UTC)),
        )
        await handle.result()
        return await handle.fetch_history()


async def main(name: str) -> None:
    path = HISTORIES / f"{name}.json"
    if path.exists():
        sys.exit(f"{path} exists: histories are never overwritten, choose a new name")
    async with await start_test_server() as env:
        history = await record_enrollment(env)
    path.write_text(history.to_json())
    print(f"wrote {path} ({len(history.events)} events)")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "enrollment_v1"))
