"""`python -m flowline.bench`: the ingestion and enrollment benchmarks (see `--help`)."""

import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.exc import OperationalError

from flowline.bench import enrollments, report
from flowline.bench.config import ENROLLMENTS, INGESTION, Options, parse_options
from flowline.bench.databases import describe, fresh_engine, server_version
from flowline.bench.ingestion import API, SERVICE, RunResult, run_both, run_service
from flowline.bench.profiling import Profiler
from flowline.bench.scenario import SEGMENTS, event_batches, profile_properties, set_up
from flowline.core.timestamps import utcnow


def _run_backend(backend: str, options: Options) -> list[RunResult]:
    rng = random.Random(options.seed)
    properties = profile_properties(rng, options.profiles)
    batches = event_batches(
        rng,
        batches=options.batches,
        batch_size=options.batch_size,
        profiles=options.profiles,
        now=utcnow(),
    )
    runs = [API, SERVICE] + (["profile"] if options.profile else [])
    url = options.postgresql_url
    print(f"\n[{backend}] {describe(backend, url, runs)}", flush=True)
    started = time.perf_counter()
    # A fresh database for each path, set up alike: both start from the same state.
    with (
        fresh_engine(backend, url, API) as api_engine,
        fresh_engine(backend, url, SERVICE) as service_engine,
    ):
        print(f"[{backend}] server: {server_version(api_engine)}", flush=True)
        set_up(api_engine, properties)
        set_up(service_engine, properties)
        print(f"[{backend}] set up in {time.perf_counter() - started:.1f}s", flush=True)
        started = time.perf_counter()
        results = list(run_both(api_engine, service_engine, backend, batches))
    print(f"[{backend}] api + service: {time.perf_counter() - started:.1f}s", flush=True)
    if options.profile:
        profiler = Profiler()
        with fresh_engine(backend, url, "profile") as engine:
            set_up(engine, properties)
            run_service(engine, backend, batches, around=profiler)
        dump = Path(tempfile.gettempdir()) / f"flowline-bench-{backend}.prof"
        profiler.dump(str(dump))
        print(f"\n[{backend}] cProfile of the service path (all batches; full dump: {dump})")
        print(profiler.report(options.profile_top))
    return results


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    status = 0
    if INGESTION in options.scenarios:
        status = max(status, _ingestion(options))
    if ENROLLMENTS in options.scenarios:
        if INGESTION in options.scenarios:
            print()
        status = max(status, enrollments.main(options.enrollments, options.enrollment_timeout))
    return status


def _ingestion(options: Options) -> int:
    print("Flowline ingestion benchmark")
    print(report.machine())
    print(
        f"scenario: {len(SEGMENTS)} segments, 5 enabled workflows, {options.profiles:,} profiles "
        f"with properties; {options.batches} batches of {options.batch_size} events "
        "per run; all on 127.0.0.1 / in process, no Temporal (the outbox is not dispatched)"
    )
    results: list[RunResult] = []
    failed = False
    for backend in options.backends:
        try:
            results += _run_backend(backend, options)
        except OperationalError as error:
            failed = True
            print(f"[{backend}] skipped: cannot use the database: {error.orig or error}")
    if results:
        print()
        print(report.table(results))
        print("\nevents/s of each batch, in order:")
        print(report.per_batch(results))
        print()
        print(report.LEGEND)
    print(report.TARGET)
    return 1 if failed and not results else 0


if __name__ == "__main__":
    sys.exit(main())
