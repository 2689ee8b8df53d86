"""`python -m bench.bare_worker ADDRESS TASK_QUEUE SMTP_PORT`: the bare baseline's
worker, in a process of its own like `flowline worker`, with the SDK's default settings."""

import asyncio
import contextlib
import sys

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from bench.bare_workflow import BareActivities, BareEmail, BareHttp, BareWait


async def run(address: str, task_queue: str, smtp_port: int) -> None:
    client = await Client.connect(address)
    async with httpx.AsyncClient(follow_redirects=False) as http:
        activities = BareActivities(http, smtp_port)
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=[BareEmail, BareHttp, BareWait],
            activities=[activities.send_email, activities.http_post],
        )
        await worker.run()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(sys.argv[1], sys.argv[2], int(sys.argv[3])))
