"""How much work one render may do, and the budget that stops it when it does more.

A render (an email's subject, HTML and text; an HTTP step's URL, headers and body; an
update-profile step's values) gets one budget: loop iterations, characters produced, the size
of any value it builds and CPU time of its thread. The sandbox checks it on every loop
iteration, call, filter and output, so an expensive template stops with `TemplateTooExpensive`
in the thread that runs it, instead of running on after its caller gave up.
"""

import gc
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from jinja2.utils import Namespace


@dataclass(frozen=True)
class RenderLimits:
    range_items: int = 1_000
    loop_iterations: int = 100_000
    characters: int = 1_000_000
    """Characters produced in all (captures and macros included), and the size of any string
    or list a template builds."""
    number_digits: int = 4_300
    """Python's own limit for turning an integer into text."""
    cpu_seconds: float = 0.25


DEFAULT_LIMITS = RenderLimits()


_LOOK_EVERY = 0.005


TOO_EXPENSIVE = "template too expensive"
"""How a delivery's detail starts when its render was stopped."""


class _CollectorTime(threading.local):
    """CPU time this thread spent in the garbage collector's full collections.

    A full collection walks the whole heap of the process: in a worker (or a test process)
    with a large heap it can take a good part of a render's budget, and it is the heap's cost,
    not the template's. Young-generation collections are cheap and are left in.
    """

    started: float | None = None
    spent = 0.0


_COLLECTOR = _CollectorTime()


def _count_full_collections(phase: str, info: dict[str, Any]) -> None:
    if info.get("generation") != 2:
        return
    if phase == "start":
        _COLLECTOR.started = time.thread_time()
    elif _COLLECTOR.started is not None:  # not when the hook came in mid-collection
        _COLLECTOR.spent += time.thread_time() - _COLLECTOR.started
        _COLLECTOR.started = None


class _CollectorHook:
    """The hook is in `gc.callbacks` only while some render runs: every collection calls it
    (a dictionary and a Python call each), a few per cent of an allocation-heavy loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._renders = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        with self._lock:
            if not self._renders:
                gc.callbacks.append(_count_full_collections)
            self._renders += 1
        try:
            yield
        finally:
            with self._lock:
                self._renders -= 1
                if not self._renders:
                    gc.callbacks.remove(_count_full_collections)


_HOOK = _CollectorHook()


def _render_cpu_time() -> float:
    """This thread's CPU time, less what it spent in full garbage collections."""
    return time.thread_time() - _COLLECTOR.spent


class TemplateTooExpensive(Exception):
    """A render went over its budget; the message says which limit, in words."""


class RenderBudget:
    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self._cpu_deadline = _render_cpu_time() + limits.cpu_seconds
        self._next_look = time.monotonic() + _LOOK_EVERY
        self._iterations = 0
        self._produced = 0

    def tick(self) -> None:
        """Every call, filter and iteration: past the CPU budget the render stops here.

        The thread's CPU clock is a system call (a few microseconds); the wall clock is not,
        and CPU time never runs ahead of it, so the CPU clock is read every 5 ms of wall time.
        Full garbage collections that ran in this thread are not the render's: not counted.
        """
        now = time.monotonic()
        if now < self._next_look:
            return
        self._next_look = now + _LOOK_EVERY
        if _render_cpu_time() > self._cpu_deadline:
            raise TemplateTooExpensive(
                f"rendering took more than {self.limits.cpu_seconds:g} s of CPU time"
            )

    def iteration(self) -> None:
        self._iterations += 1
        if self._iterations > self.limits.loop_iterations:
            raise TemplateTooExpensive(
                f"its loops run more than {self.limits.loop_iterations:,} times"
            )
        self.tick()

    def produced(self, characters: int) -> None:
        self._produced += characters
        if self._produced > self.limits.characters:
            raise TemplateTooExpensive(f"it writes more than {self.limits.characters:,} characters")

    def size_allowed(self, size: int) -> None:
        """A string or list about to be built (or just built) of `size` characters or items."""
        if size > self.limits.characters:
            raise TemplateTooExpensive(
                f"it builds a value of more than {self.limits.characters:,} characters or items"
            )

    def number_allowed(self, bits: int) -> None:
        # 3.33 bits per decimal digit
        if bits > self.limits.number_digits * 10 // 3:
            raise TemplateTooExpensive(
                f"it computes a number of more than {self.limits.number_digits:,} digits"
            )

    def checked(self, value: Any) -> Any:
        """`value` unchanged when its size is within the limits."""
        if isinstance(value, str | bytes):
            self.size_allowed(len(value))
        elif isinstance(value, _CONTAINERS):
            self.size_allowed(_flat_size(value, self.limits.characters))
        elif isinstance(value, int) and not isinstance(value, bool):
            self.number_allowed(value.bit_length())
        return value


_CONTAINERS = (list, tuple, dict, set, frozenset, Namespace)
_SIZED = (str, bytes, *_CONTAINERS)


def printed_size(value: Any, limit: int = DEFAULT_LIMITS.characters) -> int:
    """About how many characters `str(value)` makes, found without making them."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, _CONTAINERS):
        return _flat_size(value, limit)
    return len(str(value))


def _flat_size(value: Any, limit: int) -> int:
    """Items and characters of a container counted as printing it would: `[l, l]` holds `l`
    twice. Each container is measured once, so a list nested in itself 40 times (a million
    million items when printed) costs 40 steps, not the print."""
    sizes: dict[int, int] = {}

    def size(item: Any) -> int:
        if isinstance(item, str | bytes):
            return len(item)
        if not isinstance(item, _CONTAINERS):
            return 1
        if id(item) in sizes:
            return sizes[id(item)]
        sizes[id(item)] = 1  # a container inside itself prints as [...]
        inners = _inners(item)
        total = len(inners)
        # Numbers and such only: counted at C speed.
        if any(issubclass(kind, _SIZED) for kind in set(map(type, inners))):
            for inner in inners:
                if isinstance(inner, str | bytes):
                    total += len(inner)
                elif isinstance(inner, _CONTAINERS):
                    total += size(inner)
                    if total > limit:
                        break
        sizes[id(item)] = total
        return total

    return size(value)


def _inners(container: Any) -> Collection[Any]:
    if isinstance(container, Namespace):  # `namespace(a=l, b=l)` prints `l` twice too
        container = object.__getattribute__(container, "_Namespace__attrs")
    if isinstance(container, dict):
        return [*container, *container.values()]
    return cast(Collection[Any], container)


_active: ContextVar[RenderBudget | None] = ContextVar("render_budget", default=None)
_UNMETERED = RenderLimits(cpu_seconds=float("inf"))


def current_budget() -> RenderBudget:
    """The running render's budget; outside a render (Jinja folding constants while it
    compiles) the size limits still hold, only time is not counted."""
    return _active.get() or RenderBudget(_UNMETERED)


@contextmanager
def render_budget(limits: RenderLimits = DEFAULT_LIMITS) -> Iterator[RenderBudget]:
    """One budget for everything rendered inside; a render already under way keeps its own."""
    running = _active.get()
    if running is not None:
        yield running
        return
    with _HOOK.installed():
        budget = RenderBudget(limits)
        token = _active.set(budget)
        try:
            yield budget
        finally:
            _active.reset(token)
