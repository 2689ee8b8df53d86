"""Record enrollment histories for `test_replay`, one per scenario of `history_scenarios`.

    .venv/bin/python -m tests.worker.make_history            # records every missing history
    .venv/bin/python -m tests.worker.make_history NAME ...   # only these

Each scenario is recorded under its name (`<path>_v<n>.json`). Run it only to ADD histories,
never to overwrite one: each saved history stands for enrollments that started under the
workflow code of its day and may still be running. When `EnrollmentWorkflow` changes in a way
those would replay differently, guard the change with `workflow.patched`, keep the old histories
replaying, and add new ones (bump the suffix) for the new code paths.
"""

import asyncio
import json
import sys
import uuid
from contextlib import AsyncExitStack
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from flowline.worker.sandbox import workflow_runner
from flowline.worker.workflows import EnrollmentWorkflow
from tests.worker.fakes import FakeActivities, enrollment_input, start_enrollment
from tests.worker.history_scenarios import SCENARIOS
from tests.worker.server import start_test_server

HISTORIES = Path(__file__).parent / "histories"


def patches_taken(history: WorkflowHistory) -> set[str]:
    """The ids of the `workflow.patched` markers in a history."""
    taken = set()
    for event in history.events:
        marker = event.marker_recorded_event_attributes
        if (
            event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and marker.marker_name == "core_patch"
        ):
            [payload] = marker.details["patch-data"].payloads
            taken.add(json.loads(payload.data)["id"])
    return taken


async def record(env: WorkflowEnvironment, name: str) -> WorkflowHistory:
    scenario = SCENARIOS[name]
    fakes = FakeActivities()
    scenario.prepare(fakes)
    queue = f"flowline-history-{uuid.uuid4()}"
    # Task queues the input names (`{queue}-email`) are this recording's own, with a worker each.
    given = {
        key: value.format(queue=queue) if isinstance(value, str) else value
        for key, value in scenario.input.items()
    }
    own_queues = {value for key, value in given.items() if key.endswith("_task_queue")}
    async with (
        Worker(
            env.client,
            task_queue=queue,
            workflows=[EnrollmentWorkflow],
            workflow_runner=workflow_runner(),
            activities=fakes.activities(),
        ) as worker,
        AsyncExitStack() as stack,
    ):
        for own in sorted(own_queues):
            await stack.enter_async_context(
                Worker(env.client, task_queue=own, activities=fakes.activities())
            )
        fields = scenario.fields(await env.get_current_time())
        input = enrollment_input(
            f"history-{name}", scenario.steps, exit_on_goal=scenario.exit_on_goal, **fields
        ).model_copy(update=given)
        handle = await start_enrollment(env.client, worker.task_queue, input)
        await scenario.drive(env, handle, fakes)
        await handle.result()
        return await handle.fetch_history()


async def record_enrollment(env: WorkflowEnvironment) -> WorkflowHistory:
    """The full journey of `enrollment_v1`, recorded now (for the fresh-history replay test)."""
    return await record(env, "enrollment_v1")


async def main(names: list[str]) -> None:
    wanted = names or [n for n in SCENARIOS if not (HISTORIES / f"{n}.json").exists()]
    if not wanted:
        print("every scenario has its history")
        return
    async with await start_test_server() as env:
        for name in wanted:
            path = HISTORIES / f"{name}.json"
            if path.exists():
                sys.exit(f"{path} exists: histories are never overwritten, choose a new name")
            history = await record(env, name)
            path.write_text(history.to_json())
            print(f"wrote {path} ({len(history.events)} events)")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
