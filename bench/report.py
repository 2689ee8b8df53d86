"""Printing: a header describing the machine, one table row per (backend, path)."""

import os
import platform
import statistics
from collections.abc import Sequence

import sqlalchemy

from bench.ingestion import RunResult


def cpus() -> int:
    """What `nproc` says: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def machine() -> str:
    try:
        load = "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = "load average unknown"
    return (
        f"machine: nproc={cpus()}, {platform.machine()}, {platform.system()} "
        f"{platform.release()}, {load}; Python {platform.python_version()}, "
        f"SQLAlchemy {sqlalchemy.__version__}"
    )


def _rates(result: RunResult) -> list[float]:
    return [n / s for n, s in zip(result.batch_sizes, result.batch_seconds, strict=True)]


HEADERS = (
    "backend",
    "path",
    "batches",
    "ev/s median",
    "ev/s min",
    "ms/batch median",
    "ms/batch max",
    "accepted",
    "dups",
    "outbox intents",
    "segment transitions",
    "memberships",
)


def row(result: RunResult) -> tuple[str, ...]:
    rates = _rates(result)
    millis = [s * 1000 for s in result.batch_seconds]
    entered = result.memberships_after - result.memberships_before
    return (
        result.backend,
        result.path,
        str(len(result.batch_seconds)),
        f"{statistics.median(rates):,.0f}",
        f"{min(rates):,.0f}",
        f"{statistics.median(millis):,.0f}",
        f"{max(millis):,.0f}",
        f"{result.accepted:,}",
        f"{result.duplicates:,}",
        f"{result.outbox_intents:,}",
        f"{entered:+,}",
        f"{result.memberships_after:,}",
    )


def table(results: Sequence[RunResult]) -> str:
    rows = [HEADERS] + [row(r) for r in results]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


def per_batch(results: Sequence[RunResult]) -> str:
    """Every batch's events/s: shows whether ingestion slows down as history grows."""
    lines = []
    for result in results:
        rates = " ".join(f"{r:,.0f}" for r in _rates(result))
        lines.append(f"  {result.backend:<10} {result.path:<7} {rates}")
    return "\n".join(lines)


LEGEND = (
    "ev/s: events posted per second of one batch (accepted + duplicates); ms/batch: wall time\n"
    "of one POST (api) or one session_scope + apply_changes (service, events pre-validated).\n"
    "Each path has a database of its own; the two alternate batch by batch.\n"
    "outbox intents: rows written by the batches (nothing dispatches them in the bench).\n"
    "segment transitions: net change of segment_memberships over the batches "
    "(entered - left);\nmemberships: segment_memberships rows at the end "
    "(setup included)."
)
