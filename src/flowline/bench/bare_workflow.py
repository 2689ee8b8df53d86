"""The bare Temporal baseline: one HTTP POST activity, then a one-second timer. Nothing else.

The same shape as the benchmark's Flowline workflow ([http_call, wait PT1S]) without Flowline's
bookkeeping: no database, no search attributes, no finishing activity. The module defines a
workflow, so the sandbox re-imports it: nothing runs at import time.
"""

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    import httpx

BARE_WORKFLOW = "BenchBareEnrollment"
BARE_HTTP_POST = "bench_bare_http_post"
ACTIVITIES_PER_RUN = 1
WAIT = timedelta(seconds=1)


@dataclass
class BareInput:
    url: str


class BareActivities:
    """Holds the one `httpx.AsyncClient` every POST shares."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    @activity.defn(name=BARE_HTTP_POST)
    async def http_post(self, url: str) -> int:
        info = activity.info()
        response = await self._client.post(
            url,
            json={"workflow_id": info.workflow_id},
            headers={"Idempotency-Key": f"{info.workflow_id}:{info.workflow_run_id}"},
        )
        if not response.is_success:
            raise ApplicationError(f"HTTP {response.status_code}", type="BenchHttpError")
        return response.status_code


@workflow.defn(name=BARE_WORKFLOW)
class BareEnrollment:
    @workflow.run
    async def run(self, input: BareInput) -> int:
        status: int = await workflow.execute_activity(
            BARE_HTTP_POST,
            input.url,
            result_type=int,
            start_to_close_timeout=timedelta(seconds=40),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
        await workflow.sleep(WAIT)
        return status
