"""Writes that must be on record as soon as can be (a message the SMTP server accepted).

One thread of their own writes them, never queued behind the default pool's database work, on
SQLite ahead of every other writer of the process (`urgent_scope`). Everything waiting when it
starts goes into one transaction: under load a burst of acceptances costs one lock wait and
one commit instead of one each, which is what kept the slowest of them waiting. If that shared
transaction fails, each write is tried alone, so one bad write never sinks the others.
"""

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from flowline.core.database import urgent_scope

Job = Callable[[Session], None]


@dataclass(frozen=True)
class _Write:
    engine: Engine
    job: Job
    loop: asyncio.AbstractEventLoop
    done: "asyncio.Future[None]"


class UrgentWrites:
    def __init__(self) -> None:
        self._waiting: queue.SimpleQueue[_Write] = queue.SimpleQueue()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, engine: Engine, job: Job) -> "asyncio.Future[None]":
        """Start writing now; the future settles once it is committed (or failed). Once
        submitted the write runs to its end, whatever happens to whoever awaits it."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._waiting.put(_Write(engine, job, loop, done))
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="flowline-urgent-writes", daemon=True
                )
                self._thread.start()
        return done

    def _run(self) -> None:
        while True:
            batch = [self._waiting.get()]
            while True:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            for engine in {id(w.engine): w.engine for w in batch}.values():
                self._write([w for w in batch if w.engine is engine])

    def _write(self, writes: list[_Write]) -> None:
        try:
            with urgent_scope(writes[0].engine) as session:
                for write in writes:
                    write.job(session)
            outcomes: list[BaseException | None] = [None] * len(writes)
        except Exception as error:
            outcomes = [error] if len(writes) == 1 else [self._alone(w) for w in writes]
        for write, outcome in zip(writes, outcomes, strict=True):
            write.loop.call_soon_threadsafe(_settle, write.done, outcome)

    @staticmethod
    def _alone(write: _Write) -> BaseException | None:
        try:
            with urgent_scope(write.engine) as session:
                write.job(session)
        except Exception as error:
            return error
        return None


def _settle(done: "asyncio.Future[None]", outcome: BaseException | None) -> None:
    if done.done():
        return
    if outcome is None:
        done.set_result(None)
    else:
        done.set_exception(outcome)


URGENT_WRITES = UrgentWrites()
