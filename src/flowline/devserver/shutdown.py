"""Run a long-lived coroutine until SIGINT or SIGTERM, then let it clean up."""

import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any


async def run_until_signal(
    work: Coroutine[Any, Any, None], on_repeat: Callable[[], None] | None = None
) -> None:
    """The first SIGINT/SIGTERM cancels `work`, whose `finally` blocks then stop what it started.

    A second signal never interrupts that cleanup; it calls `on_repeat` (e.g. to skip grace
    periods) instead. Returns normally when stopped by a signal, so the process exits 0.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    received: list[int] = []

    def handle(sig: signal.Signals) -> None:
        received.append(sig)
        if len(received) == 1:
            hint = " (again to hurry)" if on_repeat is not None else ""
            print(f"\n{sig.name}: stopping{hint}", file=sys.stderr, flush=True)
            task.cancel()
        elif on_repeat is not None:
            on_repeat()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, handle, sig)
    try:
        await task
    except asyncio.CancelledError:
        if not received:
            raise
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
