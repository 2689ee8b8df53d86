"""Ingestion on each database: 20 segments, 5 workflows, batches of events through
`flowline api` and through the service, alternating; the per-batch rates and figures."""

import random
import statistics
import time
from pathlib import Path

from sqlalchemy.exc import OperationalError

from bench import report
from bench.api_process import api_process
from bench.config import POSTGRESQL, Options
from bench.databases import describe, engine_url, fresh_engine, server_version
from bench.figures import Figure
from bench.ingestion import API, SERVICE, RunResult, run_both, run_service
from bench.profiling import Profiler
from bench.scenario import SEGMENTS, event_batches, profile_properties, set_up
from flowline.core.timestamps import utcnow

PG_TARGET = 5000.0
LAST_TO_FIRST = 0.8


def _run_backend(backend: str, options: Options, work_dir: Path) -> list[RunResult]:
    rng = random.Random(options.seed)
    properties = profile_properties(rng, options.profiles)
    batches = event_batches(
        rng,
        batches=options.batches,
        batch_size=options.batch_size,
        profiles=options.profiles,
        now=utcnow(),
    )
    url = options.postgresql_url
    runs = [API, SERVICE] + (["profile"] if options.profile else [])
    print(f"  [ingestion/{backend}] {describe(backend, url, runs)}", flush=True)
    # A fresh database for each path, set up alike: both start from the same state.
    with (
        fresh_engine(backend, url, API) as api_engine,
        fresh_engine(backend, url, SERVICE) as service_engine,
    ):
        print(f"  [ingestion/{backend}] server: {server_version(api_engine)}", flush=True)
        set_up(api_engine, properties)
        set_up(service_engine, properties)
        started = time.perf_counter()
        with api_process(engine_url(api_engine), work_dir) as api:
            results = list(run_both(api_engine, api, service_engine, backend, batches))
    print(f"  [ingestion/{backend}] api + service: {time.perf_counter() - started:.1f}s")
    if options.profile:
        profiler = Profiler()
        with fresh_engine(backend, url, "profile") as engine:
            set_up(engine, properties)
            run_service(engine, backend, batches, around=profiler)
        dump = work_dir / f"flowline-bench-{backend}.prof"
        profiler.dump(str(dump))
        print(f"\n  [ingestion/{backend}] cProfile of the service path (full dump: {dump})")
        print(profiler.report(options.profile_top))
    return results


def _rates(result: RunResult) -> list[float]:
    return [n / s for n, s in zip(result.batch_sizes, result.batch_seconds, strict=True)]


def figures(results: list[RunResult]) -> list[Figure]:
    found = []
    for result in results:
        if result.path != API:
            continue
        rates = _rates(result)
        median = statistics.median(rates)
        if result.backend == POSTGRESQL:
            found.append(
                Figure(
                    "5. ingestion on PostgreSQL through the API (median batch)",
                    f"{median:,.0f} events/s",
                    f">= {PG_TARGET:,.0f} events/s",
                    "",
                    median >= PG_TARGET,
                )
            )
        else:
            found.append(
                Figure(
                    f"5. ingestion on {result.backend} through the API (median batch)",
                    f"{median:,.0f} events/s",
                    "(for information)",
                )
            )
        ratio = rates[-1] / rates[0]
        # A single batch on a busy machine is noisy: the mean of the last and first three too.
        smooth = statistics.mean(rates[-3:]) / statistics.mean(rates[:3])
        found.append(
            Figure(
                f"5. {result.backend}: batch {len(rates)} / batch 1 speed (API)",
                f"{ratio:.2f} (last 3 / first 3: {smooth:.2f})",
                f">= {LAST_TO_FIRST}",
                "",
                ratio >= LAST_TO_FIRST,
            )
        )
    return found


def run(options: Options, work_dir: Path) -> list[Figure]:
    print(
        f"  [ingestion] {len(SEGMENTS)} segments, 5 enabled workflows, {options.profiles:,} "
        f"profiles; {options.batches} batches of {options.batch_size} events per path; no "
        "Temporal (the outbox is not dispatched)",
        flush=True,
    )
    results: list[RunResult] = []
    for backend in options.backends:
        try:
            results += _run_backend(backend, options, work_dir)
        except OperationalError as error:
            print(f"  [ingestion/{backend}] skipped: cannot use the database: {error.orig}")
    if results:
        print()
        print(report.table(results))
        print("\nevents/s of each batch, in order:")
        print(report.per_batch(results))
        print()
        print(report.LEGEND)
    return figures(results)
