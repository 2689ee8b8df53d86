"""The bare Temporal baselines: the same shapes as the benchmark's Flowline workflows, nothing
else (no database, no search attributes, no bookkeeping activity, no outbox).

- `BareEmail`: one activity sends one mail to the benchmark's SMTP server, then a 1 s timer;
- `BareHttp`: one activity makes one HTTP POST;
- `BareWait`: a long timer that a `goal` signal ends at once (the burst and waiting scenarios).

The module defines workflows, so the sandbox re-imports it: nothing runs at import time.
"""

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from email.message import EmailMessage

    import aiosmtplib
    import httpx

BARE_EMAIL = "BenchBareEmail"
BARE_HTTP = "BenchBareHttp"
BARE_WAIT = "BenchBareWait"
WAIT = timedelta(seconds=1)
_RETRY = RetryPolicy(maximum_attempts=5)


@dataclass
class BareInput:
    target: str  # an email address, or a URL
    long_wait_seconds: float = 86_400.0


class BareActivities:
    """Holds the one `httpx.AsyncClient` every POST shares, and where the mail goes."""

    def __init__(self, client: httpx.AsyncClient, smtp_port: int) -> None:
        self._client = client
        self._smtp_port = smtp_port

    @activity.defn(name="bench_bare_send_email")
    async def send_email(self, address: str) -> None:
        message = EmailMessage()
        message["From"] = "bench@localhost"
        message["To"] = address
        message["Subject"] = "Welcome"
        message.set_content("Hello there")
        await aiosmtplib.send(message, hostname="127.0.0.1", port=self._smtp_port, timeout=20)

    @activity.defn(name="bench_bare_http_post")
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


@workflow.defn(name=BARE_EMAIL)
class BareEmail:
    @workflow.run
    async def run(self, input: BareInput) -> None:
        await workflow.execute_activity(
            "bench_bare_send_email",
            input.target,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_RETRY,
        )
        await workflow.sleep(WAIT)


@workflow.defn(name=BARE_HTTP)
class BareHttp:
    @workflow.run
    async def run(self, input: BareInput) -> int:
        status: int = await workflow.execute_activity(
            "bench_bare_http_post",
            input.target,
            result_type=int,
            start_to_close_timeout=timedelta(seconds=40),
            retry_policy=_RETRY,
        )
        return status


@workflow.defn(name=BARE_WAIT)
class BareWait:
    def __init__(self) -> None:
        self._goal = False

    @workflow.signal(name="goal")
    def goal(self) -> None:
        self._goal = True

    @workflow.run
    async def run(self, input: BareInput) -> bool:
        try:
            await workflow.wait_condition(
                lambda: self._goal, timeout=timedelta(seconds=input.long_wait_seconds)
            )
        except TimeoutError:
            return False
        return True
