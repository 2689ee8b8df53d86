"""One attempt of a step activity: its time budget, and when a retryable failure gives up."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from flowline.worker.contracts import StepResult

T = TypeVar("T")


async def in_thread(budget: timedelta, fn: Callable[..., T], *args: Any) -> T:
    """Run blocking database work for at most `budget` (TimeoutError past it).

    The thread cannot be stopped, only abandoned: everything run this way is idempotent, so a
    write that lands after the attempt gave up changes nothing a later attempt relies on.
    """
    async with asyncio.timeout(budget.total_seconds()):
        return await asyncio.to_thread(fn, *args)


@dataclass(frozen=True)
class RetryWindow:
    """Retryable failures are retried with exponential backoff for `within`, then given up.

    Measured between the first attempt's schedule time and this attempt's, both server times,
    so a worker's clock cannot stretch the window.
    """

    within: timedelta
    initial_delay: timedelta
    max_delay: timedelta
    max_attempts: int | None = None

    def give_up_or_retry(self, detail: str, error_type: str, raised: str | None = None) -> str:
        """The detail to record when this attempt was the last one; otherwise raise to retry.

        `raised` replaces `detail` in the error raised: what Temporal logs and keeps in the
        history must not quote what the detail may (a target's answer).
        """
        info = activity.info()
        left = self.within - (info.current_attempt_scheduled_time - info.scheduled_time)
        out_of_attempts = self.max_attempts is not None and info.attempt >= self.max_attempts
        if left <= timedelta(0) or out_of_attempts:
            return f"gave up after {info.attempt} attempts: {detail}"
        delay = min(self.initial_delay * 2 ** min(info.attempt - 1, 30), self.max_delay, left)
        raise ApplicationError(raised or detail, type=error_type, next_retry_delay=delay)

    def database_unavailable(self, error: Exception, error_type: str) -> StepResult:
        """Our database failed before the step acted: retry, or give up with a failure that the
        workflow records (this attempt could not)."""
        detail = self.give_up_or_retry(f"database unavailable ({type(error).__name__})", error_type)
        return StepResult(
            outcome="failed", detail=detail, recorded=False, attempts=activity.info().attempt
        )
