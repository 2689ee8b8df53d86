"""What the burst scenarios watch: the task queue's backlog, goals sent and how long each took
to close the execution it was sent to, and the figures of one burst."""

import asyncio
import random
import time
from dataclasses import dataclass, field

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from bench.measure import BenchFailed

GOAL_EVERY = 0.5  # seconds between goals sent while a burst is absorbed


@dataclass
class Burst:
    n: int
    absorbed_seconds: float
    goals_during: list[float] = field(default_factory=list)  # ms
    goals_after: list[float] = field(default_factory=list)  # ms
    rss_mb: float | None = None
    stats_ms: list[float] = field(default_factory=list)
    cpu: str = ""

    @property
    def per_second(self) -> float:
        return self.n / self.absorbed_seconds


async def backlog(client: Client, task_queue: str) -> int:
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            report_stats=True,
        )
    )
    return int(response.stats.approximate_backlog_count)


async def closed_after(client: Client, workflow_id: str, sent: float, timeout: float) -> float:
    """Milliseconds from `sent` to the execution's close time."""
    deadline = time.monotonic() + timeout
    handle = client.get_workflow_handle(workflow_id)
    while time.monotonic() < deadline:
        described = await handle.describe()
        if described.close_time is not None:
            return (described.close_time.timestamp() - sent) * 1000
        await asyncio.sleep(0.05)
    raise BenchFailed(f"{workflow_id} not closed {timeout:.0f}s after its goal")


class Goals:
    """Goals sent while absorbing (every GOAL_EVERY s), measured once they close."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []  # (workflow id, wall time sent)
        self.used: set[int] = set()

    def pick(self, started: int, rng: random.Random) -> int | None:
        for _ in range(20):
            index = rng.randrange(started) if started else None
            if index is not None and index not in self.used:
                self.used.add(index)
                return index
        return None

    async def latencies(self, client: Client, timeout: float) -> list[float]:
        return list(
            await asyncio.gather(*(closed_after(client, w, s, timeout) for w, s in self.sent))
        )
