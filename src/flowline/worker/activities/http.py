"""The `http_call` activity: render the request for the live profile and send it once."""

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

import httpx
import jinja2
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from flowline.core.settings import Settings
from flowline.definitions.templates import render_headers, render_json, render_url
from flowline.worker.activities.network_guard import TargetRefused, resolve_target
from flowline.worker.activities.step_context import StepContext, load_step_context, record
from flowline.worker.contracts import HTTP_CALL, HttpCallInput, StepResult

_DETAIL_BODY_CHARS = 300


@dataclass(frozen=True)
class HttpRetryConfig:
    """Network errors, 429 and 5xx are retried with exponential backoff, up to a bound."""

    max_attempts: int = 5
    initial_delay: float = 1.0
    max_delay: float = 60.0
    allow_private_networks: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> "HttpRetryConfig":
        return cls(
            max_attempts=settings.http_max_attempts,
            initial_delay=settings.http_initial_retry_seconds,
            max_delay=settings.http_max_retry_seconds,
            allow_private_networks=settings.http_allow_private_networks,
        )

    def delay(self, attempt: int) -> timedelta:
        return timedelta(seconds=min(self.initial_delay * 2 ** (attempt - 1), self.max_delay))


def idempotency_key(input: HttpCallInput) -> str:
    """Stable across retries, unique to this enrollment (run) and step."""
    ref = input.enrollment
    return f"{ref.temporal_workflow_id}:{ref.run_id}:{input.path}"


class HttpActivities:
    def __init__(self, engine: Engine, client: httpx.AsyncClient, config: HttpRetryConfig) -> None:
        self._engine = engine
        self._client = client
        self._config = config

    @activity.defn(name=HTTP_CALL)
    async def http_call(self, input: HttpCallInput) -> StepResult:
        context = await asyncio.to_thread(
            load_step_context,
            self._engine,
            input.enrollment,
            input.path,
            input.consent_property,
        )
        if isinstance(context, StepResult):
            return context
        if context.done is not None:
            return StepResult(outcome=context.done.status, detail=context.done.detail or "")
        attempt = activity.info().attempt
        try:
            response = await self._send(input, context)
        except (TargetRefused, jinja2.TemplateError) as error:
            await self._fail(input, context, str(error), attempt)
            raise ApplicationError(
                str(error), type="HttpTargetRefused", non_retryable=True
            ) from None
        except (httpx.TransportError, OSError) as error:
            await self._retry_or_give_up(input, context, f"network error: {error!r}", attempt)
        detail = f"HTTP {response.status_code}: {response.text[:_DETAIL_BODY_CHARS]}"
        if response.is_success:
            return await self._record(input, context, "sent", detail, attempt)
        if response.status_code == 429 or response.status_code >= 500:
            await self._retry_or_give_up(input, context, detail, attempt)
        await self._fail(input, context, detail, attempt)
        raise ApplicationError(
            f"target rejected request ({response.status_code})",
            type="HttpClientError",
            non_retryable=True,
        )

    async def _send(self, input: HttpCallInput, context: StepContext) -> httpx.Response:
        step = input.step
        values: dict[str, Any] = {**context.properties, "profile_id": input.enrollment.profile_id}
        url = httpx.URL(render_url(step.url, values))
        if url.scheme not in ("http", "https") or not url.host:
            raise TargetRefused(f"rendered URL is not an absolute http(s) URL: {url}")
        address = await resolve_target(
            url.host,
            url.port or (443 if url.scheme == "https" else 80),
            self._config.allow_private_networks,
        )
        headers = render_headers(step.headers, values)
        headers["Idempotency-Key"] = idempotency_key(input)
        headers["Host"] = url.netloc.decode("ascii")
        body = render_json(step.body, values)
        request = self._client.build_request(
            step.method,
            url.copy_with(host=address),
            headers=headers,
            json=body if body is not None else None,
            timeout=step.timeout.total_seconds(),
            # TLS still checks the certificate against the name, not the address.
            extensions={"sni_hostname": url.host},
        )
        return await self._client.send(request)

    async def _retry_or_give_up(
        self, input: HttpCallInput, context: StepContext, detail: str, attempt: int
    ) -> NoReturn:
        if attempt >= self._config.max_attempts:
            await self._fail(input, context, f"gave up after {attempt} attempts: {detail}", attempt)
            raise ApplicationError(detail, type="HttpRetriesExhausted", non_retryable=True)
        raise ApplicationError(
            detail, type="HttpRetryable", next_retry_delay=self._config.delay(attempt)
        )

    async def _fail(
        self, input: HttpCallInput, context: StepContext, detail: str, attempt: int
    ) -> None:
        await self._record(input, context, "failed", detail, attempt)

    async def _record(
        self, input: HttpCallInput, context: StepContext, status: str, detail: str, attempt: int
    ) -> StepResult:
        return await record(
            self._engine,
            context.enrollment_id,
            input.path,
            type="http",
            status=status,
            detail=detail,
            attempts=attempt,
            passed=input.passed,
        )
