"""The `http_call` activity: render the request for the live profile and send it once.

One attempt = prepare (database), request (bounded by the step's `timeout`, answer read up to
64 KiB), record (database), each phase under its own budget (see worker/policies.py),
heartbeating throughout: a target that hangs holds the attempt, a dead worker does not.
"""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity

from flowline.core.services.enrollments.timeline_facts import http_facts
from flowline.core.settings import Settings
from flowline.worker import policies
from flowline.worker.activities.attempts import RetryWindow, heartbeating, in_thread
from flowline.worker.activities.http_request import (
    RenderedRequest,
    RequestInvalid,
    read_capped,
    render_request,
)
from flowline.worker.activities.network_guard import TargetRefused, resolve_target
from flowline.worker.activities.step_context import StepContext, load_step_context, record
from flowline.worker.contracts import HTTP_CALL, HttpCallInput, StepResult

_DETAIL_BODY_CHARS = 300
# Raised for Temporal to retry; never in `non_retryable_error_types`.
_RETRYABLE = "HttpRetryable"


def http_retry_window(settings: Settings) -> RetryWindow:
    """Network errors, 429 and 5xx are retried with exponential backoff, up to a bound."""
    return RetryWindow(
        within=timedelta(seconds=settings.http_retry_seconds),
        initial_delay=timedelta(seconds=settings.http_initial_retry_seconds),
        max_delay=timedelta(seconds=settings.http_max_retry_seconds),
        max_attempts=settings.http_max_attempts,
    )


def idempotency_key(input: HttpCallInput) -> str:
    """Stable across retries, unique to this enrollment (run) and step."""
    ref = input.enrollment
    return f"{ref.temporal_workflow_id}:{ref.run_id}:{input.path}"


class HttpActivities:
    def __init__(
        self,
        engine: Engine,
        client: httpx.AsyncClient,
        retry: RetryWindow,
        allow_private_networks: bool = False,
    ) -> None:
        self._engine = engine
        self._client = client
        self._retry = retry
        self._allow_private = allow_private_networks

    @activity.defn(name=HTTP_CALL)
    async def http_call(self, input: HttpCallInput) -> StepResult:
        async with heartbeating():
            return await self._attempt(input)

    async def _attempt(self, input: HttpCallInput) -> StepResult:
        attempts = activity.info().attempt

        def render(session: Session, properties: dict[str, Any]) -> RenderedRequest | Exception:
            # In the read's own thread: one hand-off instead of two (a render may take its
            # whole CPU budget, so never on the event loop).
            values = {**properties, "profile_id": input.enrollment.profile_id}
            try:
                return render_request(input.step, values)
            except RequestInvalid as error:
                return error

        try:
            context = await in_thread(
                policies.STEP_PREPARE_BUDGET,
                load_step_context,
                self._engine,
                input.enrollment,
                input.path,
                input.consent_property,
                render,
            )
        except Exception as error:  # our database is busy or down; nothing was sent
            return self._retry.database_unavailable(error, _RETRYABLE)
        if isinstance(context, StepResult):
            return context
        if context.done is not None:
            return StepResult(outcome=context.done.status, detail=context.done.detail or "")
        try:
            if isinstance(context.also, Exception):
                raise context.also
            status, body = await self._send(input, context.also)
        except (RequestInvalid, TargetRefused) as error:
            return await self._record(input, context, "failed", str(error), attempts)
        except httpx.LocalProtocolError as error:  # h11 refused what we would send
            detail = f"the request cannot be sent: {error}"
            return await self._record(input, context, "failed", detail, attempts)
        except TimeoutError:
            problem = f"no answer within the step's timeout ({input.step.timeout})"
            detail = self._retry.give_up_or_retry(problem, _RETRYABLE)
            return await self._record(input, context, "failed", detail, attempts)
        except (httpx.TransportError, OSError) as error:
            detail = self._retry.give_up_or_retry(f"network error: {error!r}", _RETRYABLE)
            return await self._record(input, context, "failed", detail, attempts)
        detail = f"HTTP {status}: {body.decode(errors='replace')[:_DETAIL_BODY_CHARS]}"
        if 200 <= status < 300:
            return await self._record(input, context, "sent", detail, attempts, status)
        if status == 429 or status >= 500:
            # The delivery keeps the start of the answer; the error raised for a retry says only
            # the status: Temporal logs it and keeps it in the history, and an answer may quote
            # the profile back.
            detail = self._retry.give_up_or_retry(detail, _RETRYABLE, raised=f"HTTP {status}")
        # Other answers (3xx, 4xx) say the request itself is wrong: not worth retrying.
        return await self._record(input, context, "failed", detail, attempts, status)

    async def _send(self, input: HttpCallInput, rendered: RenderedRequest) -> tuple[int, bytes]:
        """Status and the first 64 KiB of the answer, all within the step's `timeout`."""
        step = input.step
        url = rendered.url
        timeout = step.timeout.total_seconds()
        async with asyncio.timeout(timeout):
            address = await resolve_target(
                url.host, url.port or (443 if url.scheme == "https" else 80), self._allow_private
            )
            # Case-insensitive: a step's own Accept-Encoding replaces ours (read_capped keeps
            # raw bytes, so ours asks for none).
            headers = httpx.Headers({"Accept-Encoding": "identity"})
            headers.update(rendered.headers)
            headers["Idempotency-Key"] = idempotency_key(input)
            headers["Host"] = url.netloc.decode("ascii")
            try:
                request = self._client.build_request(
                    step.method,
                    url.copy_with(host=address),
                    headers=headers,
                    json=rendered.body if rendered.body is not None else None,
                    timeout=timeout,
                    # TLS still checks the certificate against the name, not the address.
                    extensions={"sni_hostname": url.host},
                )
            except (httpx.InvalidURL, ValueError) as error:
                raise RequestInvalid(f"the request cannot be built: {error}") from None
            response = await self._client.send(request, stream=True)
            try:
                return response.status_code, await read_capped(response)
            finally:
                await response.aclose()

    async def _record(
        self,
        input: HttpCallInput,
        context: StepContext,
        status: str,
        detail: str,
        attempts: int,
        answered: int | None = None,
    ) -> StepResult:
        # The URL as the step names it: its merge tags are not filled in with profile values.
        facts = http_facts(input.step.method, input.step.url, answered)
        # A failure the step exits on ends the journey otherwise: the run writes that ending.
        goes_on = status != "failed" or input.step.on_failure != "exit"
        return await record(
            self._engine,
            context.enrollment_id,
            input.path,
            type="http",
            result=StepResult(outcome=status, detail=detail, attempts=attempts, facts=facts),
            passed=input.passed,
            ending=input.end_if_done if goes_on else None,
        )
