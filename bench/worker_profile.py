"""py-spy over `flowline worker` and `flowline api` while a throughput run is timed: where
their CPU goes.

`python -m bench --only throughput --profile`: py-spy (a dev dependency) samples each process
from outside (`--nonblocking`: it is never paused), only the thread holding the GIL, and
the collapsed stacks are summed here: the share of busy samples spent in each function
(inclusive: anywhere in the stack; self: at the top), and per area of code. The raw stacks stay
in .flowline/bench-profiles/ (e.g. for a flame graph).
"""

import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RATE = 200  # samples a second
RAW_DIR = Path(".flowline/bench-profiles")  # kept after the run (.flowline is not committed)
# Where a frame's file lies -> the area it is counted in, first match wins.
_AREAS = (
    ("/flowline/worker/activities/", "flowline: step activities"),
    ("/flowline/worker/", "flowline: workflow code"),
    ("/flowline/core/services/outbox/", "flowline: outbox dispatcher"),
    ("/flowline/core/services/enrollments/", "flowline: enrollment records"),
    ("/flowline/", "flowline: other"),
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/sqlmodel/", "SQLAlchemy"),
    ("/temporalio/", "Temporal SDK"),
    ("/httpx/", "httpx / httpcore"),
    ("/httpcore/", "httpx / httpcore"),
    ("/h11/", "httpx / httpcore"),
    ("/aiosmtplib/", "aiosmtplib"),
    ("/jinja2/", "Jinja2"),
    ("/pydantic", "pydantic"),
    ("/asyncio/", "asyncio"),
    ("/threading.py", "threads"),
    ("/concurrent/", "threads"),
)


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def sampled(pid: int, raw: Path) -> Iterator[None]:
    """Sample `pid` into `raw` (py-spy's collapsed stacks) while the block runs."""
    exe = py_spy()
    if exe is None:
        print("  (--profile: py-spy not found; `make install` puts it in .venv)", flush=True)
        yield
        return
    raw.parent.mkdir(parents=True, exist_ok=True)
    command = [exe, "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw"]
    # --gil: only the thread holding the GIL, so threads waiting for it are not counted busy.
    command += ["--nonblocking", "--gil", "--output", str(raw)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, errors = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            errors = b""
        if process.returncode not in (0, -signal.SIGINT) and not raw.exists():
            print(f"  (--profile: py-spy failed: {errors.decode(errors='replace')[-300:]})")


def _stacks(raw: Path) -> Iterator[tuple[list[str], int]]:
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            yield stack.split(";"), int(count)


def _split(frame: str) -> tuple[str, str]:
    """`send (httpx/_client.py:1629)` -> (`send`, `httpx/_client.py`)."""
    name, _, where = frame.partition(" (")
    where = where.removesuffix(")")
    return name, where.rpartition(":")[0] or where


def _function(frame: str) -> str:
    """One entry per function, whatever line the sample was at."""
    name, path = _split(frame)
    return f"{name} ({path})"


def _area(frames: list[str]) -> str:
    """The area of the innermost frame that belongs to one (a C call counts for its caller)."""
    for frame in reversed(frames):
        path = "/" + _split(frame)[1]
        for marker, area in _AREAS:
            if marker in path:
                return area
    return "other"


def _entry(frames: list[str]) -> str:
    """The outermost Flowline function of a stack (the CLI's own frames aside): what the event
    loop or a thread was running for."""
    for frame in frames:
        path = _split(frame)[1]
        if path.startswith("flowline/") and path != "flowline/cli.py":
            return _function(frame)
    return "(no Flowline frame: SDK, event loop, threads)"


def summary(raw: Path, top: int, process: str = "worker") -> str:
    if not raw.exists():
        return "  (no profile was recorded)"
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    total = 0
    for frames, count in _stacks(raw):
        total += count
        entries[_entry(frames)] += count
        # Flowline's own functions: where a cut can be made (the rest is their callees).
        for function in {_function(f) for f in frames if _split(f)[1].startswith("flowline/")}:
            inclusive[function] += count
        own[_function(frames[-1])] += count
        areas[_area(frames)] += count
    if not total:
        return "  (no busy samples)"

    def share(counter: Counter[str], limit: int) -> list[str]:
        return [f"    {n / total:6.1%}  {name}" for name, n in counter.most_common(limit)]

    lines = [f"  {process} profile: {total} busy samples at {RATE}/s (raw stacks: {raw})"]
    lines += ["  by area (innermost known frame):", *share(areas, len(areas))]
    lines += ["  by entry (outermost Flowline function):", *share(entries, top)]
    lines += ["  Flowline's functions, inclusive (anywhere in the stack):", *share(inclusive, top)]
    lines += ["  self (top of the stack):", *share(own, top)]
    return "\n".join(lines)
