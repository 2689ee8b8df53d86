"""Wait for a state instead of sleeping: poll a condition until it holds or a deadline passes."""

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def _failure(timeout: float, what: str | Callable[[], str]) -> AssertionError:
    described = what() if callable(what) else what
    return AssertionError(f"not within {timeout:.0f} s: {described}")


async def eventually(
    check: Callable[[], Awaitable[T | None]] | Callable[[], T | None],
    timeout: float,
    what: str | Callable[[], str],
    interval: float = 0.1,
) -> T:
    """Call `check()` (awaiting its answer if it is awaitable) every `interval` seconds until
    it answers something true (True, a non-empty list, an object) and return that; after
    `timeout` seconds fail with "not within N s: <what>" (`what` may be a function, called
    then, to say how far things got)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise _failure(timeout, what)
        await asyncio.sleep(interval)


def eventually_sync(
    check: Callable[[], T | None],
    timeout: float,
    what: str | Callable[[], str],
    interval: float = 0.1,
) -> T:
    """`eventually` for code without an event loop: blocks with `time.sleep` between checks."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise _failure(timeout, what)
        time.sleep(interval)
