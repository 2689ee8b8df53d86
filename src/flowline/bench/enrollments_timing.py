"""What the enrollment benchmark measures, and how: the run's target, its clock and progress,
the polling loop, and the figures each run reports."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from flowline.bench import cpu
from flowline.bench.report import cpus

FLOWLINE = "flowline"
BARE = "bare"
FLOWLINE_ACTIVITIES = 2  # http_call + finish_enrollment
POLL_SECONDS = 0.05
VISIBILITY_POLL_SECONDS = 0.1
PROGRESS_EVERY = 5.0


class BenchFailed(Exception):
    """The scenario did not finish (timeout, failed enrollments): the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a run goes: the dev server, the HTTP endpoint, the limits."""

    address: str
    server_pid: int | None
    url: str
    enrollments: int
    timeout: float


@dataclass
class EnrollmentRun:
    scenario: str
    enrollments: int
    activities: int
    started_seconds: float
    completed_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def starts_per_second(self) -> float:
        return self.enrollments / self.started_seconds

    @property
    def completed_per_second(self) -> float:
        return self.enrollments / self.completed_seconds


@dataclass
class Progress:
    started: int
    completed: int
    other_ended: int = 0  # failed, exited...: never "completed", so the run cannot finish


class Clock:
    """Seconds since the start of one run, with its deadline, and the CPU used meanwhile."""

    def __init__(self, name: str, timeout: float, server_pid: int | None) -> None:
        self.name = name
        self.timeout = timeout
        self._server_pid = server_pid
        self._cpu = cpu.sample(server_pid)
        self.wall_start = time.time()
        self._start = time.perf_counter()
        self._next_report = PROGRESS_EVERY

    def cpu_used(self) -> str | None:
        return cpu.used(self._cpu, cpu.sample(self._server_pid), self.elapsed(), cpus())

    def elapsed(self) -> float:
        return time.perf_counter() - self._start

    def since_start(self, at: datetime) -> float:
        return at.timestamp() - self.wall_start

    def check(self, n: int, progress: Progress) -> None:
        elapsed = self.elapsed()
        if elapsed >= self._next_report:
            self._next_report += PROGRESS_EVERY
            print(
                f"[{self.name}] {elapsed:5.1f}s: {progress.started}/{n} started, "
                f"{progress.completed}/{n} completed",
                flush=True,
            )
        if progress.other_ended:
            raise BenchFailed(
                f"{self.name}: {progress.other_ended} enrollment(s) ended other than completed "
                f"({progress.completed}/{n} completed)"
            )
        if elapsed > self.timeout:
            raise BenchFailed(
                f"{self.name}: gave up after {self.timeout:.0f}s: {progress.started}/{n} started, "
                f"{progress.completed}/{n} completed (raise --enrollment-timeout or lower "
                "--enrollments)"
            )


async def watch(
    clock: Clock, n: int, progress: Callable[[], Awaitable[Progress]], interval: float
) -> tuple[float, float]:
    """Poll until all N started and all N completed: the seconds at which each was seen."""
    started_at: float | None = None
    while True:
        now = await progress()
        elapsed = clock.elapsed()
        if started_at is None and now.started >= n:
            started_at = elapsed
        if started_at is not None and now.completed >= n:
            return started_at, elapsed
        clock.check(n, now)
        await asyncio.sleep(interval)
