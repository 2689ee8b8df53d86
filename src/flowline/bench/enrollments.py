"""Enrollment throughput: Flowline against a bare Temporal workflow of the same shape.

Both run, one after the other, on one private Temporal dev server (in memory) that the benchmark
starts (`dev_server`), and call the same HTTP server on 127.0.0.1. What each side does and when
its clock says "all started" and "all completed": `enrollments_flowline` and `enrollments_bare`;
the clock and the figures of a run: `enrollments_timing`; the printed table and legend:
`enrollments_report`. This module runs the two sides and prints the report.
"""

import asyncio

from flowline.bench import cpu
from flowline.bench.dev_server import dev_server
from flowline.bench.enrollments_bare import run_bare
from flowline.bench.enrollments_flowline import run_flowline
from flowline.bench.enrollments_report import LEGEND, describe, details, table
from flowline.bench.enrollments_timing import BARE, FLOWLINE, BenchFailed, EnrollmentRun, Target
from flowline.bench.http_target import BenchHttpTarget
from flowline.bench.report import machine


async def run_all(n: int, timeout: float) -> tuple[str, list[EnrollmentRun]]:
    """Start the dev server and the HTTP target, run Flowline then bare; returns a description
    of the server and the two runs. Everything is shut down on the way out."""
    async with dev_server() as (address, server):
        print(server, flush=True)
        runs = []
        with BenchHttpTarget() as http:
            url = http.url("/hook")
            print(f"HTTP target: {url} (always 200)", flush=True)
            target = Target(address, cpu.dev_server_pid(), url, n, timeout)
            for name, runner in ((FLOWLINE, run_flowline), (BARE, run_bare)):
                before = http.requests
                print(f"[{name}] running {n} enrollments...", flush=True)
                run = await runner(target)
                run.notes.append(f"HTTP requests received: {http.requests - before}")
                print(
                    f"[{name}] all started in {run.started_seconds:.2f}s, all completed in "
                    f"{run.completed_seconds:.2f}s",
                    flush=True,
                )
                runs.append(run)
        return server, runs


def main(n: int, timeout: float) -> int:
    """Print the header, run both scenarios and print the table; 1 if a run failed."""
    print("Flowline enrollment benchmark", flush=True)
    print(machine(), flush=True)
    print(describe(n, timeout), flush=True)
    try:
        server, runs = asyncio.run(run_all(n, timeout))
    except BenchFailed as error:
        print(f"enrollment benchmark FAILED: {error}", flush=True)
        return 1
    print()
    print(table(runs))
    print()
    print("\n".join(details(runs)))
    print()
    print(LEGEND)
    print(server)
    return 0
