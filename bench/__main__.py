"""`python -m bench` (`make bench`): every performance figure (throughput, trigger -> first
mail, bursts, enrollments waiting, stats, profiles search, dry run, ingestion) with its target
(docs/performance.md) and, where there is one, the bare Temporal baseline measured in the same
run; and the figures of a worker killed mid-burst (about a minute and a half at 1,000 mails,
`--fault-mails` to change, `--only faults` to run it alone).
Prints figures and asserts nothing; see `--help` for sizes and `--only`."""

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench import (
    burst,
    campaign_stats,
    dry_run,
    experiment,
    ingestion_scenario,
    profile_search,
    segment_preview,
    stats,
    throughput,
    worker_killed,
)
from bench.config import (
    BURST,
    CAMPAIGNSTATS,
    DRYRUN,
    EXPERIMENT,
    FAULTS,
    INGESTION,
    PREVIEW,
    PROFILES,
    STATS,
    THROUGHPUT,
    WAITING,
    Options,
    parse_options,
)
from bench.figures import Figure, table
from bench.measure import BenchFailed
from bench.report import machine
from bench.stack import targets, temporal_server


async def _enrollments(options: Options, work_dir: Path) -> list[Figure]:
    found: list[Figure] = []
    with targets() as (smtp, http):
        if THROUGHPUT in options.scenarios:
            print("\n== throughput and trigger -> first mail", flush=True)
            async with temporal_server() as server:
                print(f"  {server.description}", flush=True)
                found += await throughput.run(
                    server,
                    work_dir,
                    smtp,
                    http,
                    options.enrollments,
                    options.latency_samples,
                    options.timeout,
                    options.profile_top if options.profile else None,
                )
        if BURST in options.scenarios:
            print("\n== burst", flush=True)
            found += await burst.run_burst(
                work_dir, smtp, options.burst, options.goals, options.timeout
            )
        if WAITING in options.scenarios:
            print("\n== enrollments waiting at once", flush=True)
            found += await burst.run_waiting(
                work_dir, smtp, options.waiting, options.goals, options.timeout
            )
    return found


async def _faults(options: Options, work_dir: Path) -> list[Figure]:
    return await worker_killed.run(work_dir, options.fault_mails, options.timeout)


def _stats(options: Options, work_dir: Path) -> list[Figure]:
    print("\n== stats at many enrollment rows", flush=True)
    found = []
    for backend in options.backends:
        result = stats.run(backend, options.postgresql_url, options.stats_enrollments, 20, work_dir)
        print(f"  {stats.line(result)}", flush=True)
        found.append(stats.figure(result))
    return found


def _campaign_stats(options: Options, work_dir: Path) -> list[Figure]:
    print("\n== campaign stats at many deliveries", flush=True)
    found = []
    for backend in options.backends:
        result = campaign_stats.run(
            backend, options.postgresql_url, options.campaign_deliveries, 20, work_dir
        )
        print(f"  {campaign_stats.line(result)}", flush=True)
        found += campaign_stats.figures(result)
    return found


def _experiment(options: Options, work_dir: Path) -> list[Figure]:
    print("\n== experiment at many enrollment rows", flush=True)
    found = []
    for backend in options.backends:
        result = experiment.run(
            backend, options.postgresql_url, options.experiment_enrollments, 20, work_dir
        )
        print(f"  {experiment.line(result)}", flush=True)
        found.append(experiment.figure(result))
    return found


def _profiles(options: Options, work_dir: Path) -> list[Figure]:
    print("\n== profiles search", flush=True)
    found = []
    for backend in options.backends:
        result = profile_search.run(
            backend, options.postgresql_url, options.search_profiles, 20, work_dir
        )
        print(f"  {profile_search.line(result)}", flush=True)
        found += profile_search.figures(result)
    return found


def _dry_run(options: Options) -> list[Figure]:
    print("\n== dry run over a long history", flush=True)
    found = []
    for backend in options.backends:
        result = dry_run.run(
            backend, options.postgresql_url, options.dryrun_events, options.dryrun_profiles, 3
        )
        print(f"  {dry_run.line(result)}", flush=True)
        found += dry_run.figures(result)
    return found


def _preview(options: Options) -> list[Figure]:
    print("\n== segment preview", flush=True)
    found = []
    for backend in options.backends:
        result = segment_preview.run(
            backend,
            options.postgresql_url,
            options.preview_profiles,
            options.preview_events,
            3 if options.quick else 10,
            options.keep_data,
        )
        print(f"  {segment_preview.line(result)}", flush=True)
        found += segment_preview.figures(result)
    return found


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    started = time.perf_counter()
    print(
        "Flowline benchmark"
        + (" (--quick: sizes too small to mean anything)" if options.quick else "")
    )
    print(machine(), flush=True)
    figures: list[Figure] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="flowline-bench-") as directory:
        work_dir = Path(directory)
        steps = [
            (INGESTION, lambda: ingestion_scenario.run(options, work_dir)),
            (STATS, lambda: _stats(options, work_dir)),
            (CAMPAIGNSTATS, lambda: _campaign_stats(options, work_dir)),
            (PROFILES, lambda: _profiles(options, work_dir)),
            (DRYRUN, lambda: _dry_run(options)),
            (PREVIEW, lambda: _preview(options)),
            (EXPERIMENT, lambda: _experiment(options, work_dir)),
            ("enrollments", lambda: asyncio.run(_enrollments(options, work_dir))),
            (FAULTS, lambda: asyncio.run(_faults(options, work_dir))),
        ]
        for name, step in steps:
            wanted = name in options.scenarios or (
                name == "enrollments" and {THROUGHPUT, BURST, WAITING} & set(options.scenarios)
            )
            if not wanted:
                continue
            if name == INGESTION:
                print("\n== ingestion", flush=True)
            if name == FAULTS:
                print("\n== worker killed mid-burst", flush=True)
            try:
                figures += step()
            except BenchFailed as error:
                failed.append(f"{name}: {error}")
                print(f"  FAILED: {error}", flush=True)
    print("\n== figures" + f" ({time.perf_counter() - started:.0f} s in all)")
    print(machine())
    print(table(figures))
    for failure in failed:
        print(f"not measured: {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
