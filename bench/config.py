"""What the benchmark reads from the environment, and its command-line options.

Sizes default to the full-size scenarios (docs/performance.md); `FLOWLINE_BENCH_SCALE` (e.g.
`0.1`) scales every size, and `--quick` runs tiny sizes (a smoke run: it says nothing about
speed).
"""

import argparse
from dataclasses import dataclass

from pydantic_settings import BaseSettings, SettingsConfigDict

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
INGESTION = "ingestion"
STATS = "stats"
THROUGHPUT = "throughput"
BURST = "burst"
WAITING = "waiting"
FAULTS = "faults"
PROFILES = "profiles"
DRYRUN = "dryrun"
PREVIEW = "preview"
CAMPAIGNSTATS = "campaignstats"
EXPERIMENT = "experiment"
SCENARIOS = (
    INGESTION,
    STATS,
    CAMPAIGNSTATS,
    PROFILES,
    PREVIEW,
    DRYRUN,
    THROUGHPUT,
    BURST,
    WAITING,
    FAULTS,
    EXPERIMENT,
)


class BenchEnvironment(BaseSettings):
    """`FLOWLINE_BENCH_DATABASE_URL`, else `FLOWLINE_TEST_DATABASE_URL`: a PostgreSQL to use;
    `FLOWLINE_BENCH_SCALE`: a factor on every size."""

    model_config = SettingsConfigDict(env_prefix="FLOWLINE_", extra="ignore")

    bench_database_url: str | None = None
    test_database_url: str | None = None
    bench_scale: float = 1.0

    @property
    def postgresql_url(self) -> str | None:
        return self.bench_database_url or self.test_database_url


@dataclass(frozen=True)
class Options:
    scenarios: tuple[str, ...]
    backends: tuple[str, ...]
    postgresql_url: str | None
    batches: int
    batch_size: int
    profiles: int
    enrollments: int
    latency_samples: int
    burst: int
    waiting: int
    stats_enrollments: int
    campaign_deliveries: int
    search_profiles: int
    preview_profiles: int
    preview_events: int
    goals: int
    fault_mails: int
    dryrun_events: int
    dryrun_profiles: int
    experiment_enrollments: int
    timeout: float
    profile: bool
    profile_top: int
    seed: int
    quick: bool
    keep_data: str | None = None


# Full size (the published figures) and --quick size of every scenario.
FULL = {
    "batches": 10,
    "batch_size": 1000,
    "profiles": 2000,
    "enrollments": 300,
    "latency_samples": 50,
    "burst": 20_000,
    "waiting": 100_000,
    "stats_enrollments": 100_000,
    "campaign_deliveries": 1_000_000,
    "search_profiles": 1_000_000,
    "preview_profiles": 1_000_000,
    "preview_events": 10_000_000,
    "goals": 100,
    "fault_mails": 1000,
    "dryrun_events": 1_000_000,
    "dryrun_profiles": 100_000,
    "experiment_enrollments": 1_000_000,
}
QUICK = {
    "batches": 3,
    "batch_size": 100,
    "profiles": 200,
    "enrollments": 10,
    "latency_samples": 3,
    "burst": 30,
    "waiting": 40,
    "stats_enrollments": 500,
    "campaign_deliveries": 2000,
    "search_profiles": 500,
    "preview_profiles": 300,
    "preview_events": 3000,
    "goals": 3,
    "fault_mails": 100,
    "dryrun_events": 2000,
    "dryrun_profiles": 200,
    "experiment_enrollments": 500,
}
_SCALED = (
    "enrollments",
    "latency_samples",
    "burst",
    "waiting",
    "stats_enrollments",
    "campaign_deliveries",
    "search_profiles",
    "preview_profiles",
    "preview_events",
    "goals",
    "fault_mails",
    "dryrun_events",
    "dryrun_profiles",
    "experiment_enrollments",
)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _scenarios(text: str) -> tuple[str, ...]:
    if text == "all":
        return SCENARIOS
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [c for c in chosen if c not in SCENARIOS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown scenario(s) {', '.join(unknown) or text!r}; choose from "
            f"{', '.join(SCENARIOS)} (comma-separated) or all"
        )
    return chosen


def parse_options(argv: list[str] | None = None) -> Options:
    environment = BenchEnvironment()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Flowline's figures against their targets, beside a bare Temporal "
        "baseline measured in the same run. Prints figures, asserts nothing. "
        "FLOWLINE_BENCH_SCALE scales every size.",
    )
    parser.add_argument(
        "--only",
        type=_scenarios,
        default=SCENARIOS,
        help=f"comma-separated scenarios among {', '.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke run, not a measurement"
    )
    for name, help_text in (
        ("enrollments", "enrollments per throughput run (default 300)"),
        ("latency-samples", "events of the trigger -> first mail figure (default 50)"),
        ("burst", "enrollments of the burst (default 20000)"),
        ("waiting", "enrollments waiting at once (default 100000)"),
        ("stats-enrollments", "enrollment rows of the stats figure (default 100000)"),
        ("campaign-deliveries", "email deliveries of the campaign stats figure (default 1000000)"),
        ("search-profiles", "profiles of the profiles search figure (default 1000000)"),
        ("preview-profiles", "profiles of the segment preview figure (default 1000000)"),
        ("preview-events", "events of the segment preview figure (default 10000000)"),
        ("goals", "goals measured once a burst is absorbed (default 100)"),
        ("fault-mails", "mails of the burst whose worker is killed (default 1000)"),
        ("dryrun-events", "stored events a dry run replays (default 1000000)"),
        ("dryrun-profiles", "profiles of the dry run's events (default 100000)"),
        ("batches", "ingestion batches per run (default 10)"),
        ("batch-size", "events per ingestion batch, at most 1000 (default 1000)"),
        ("profiles", "distinct profiles of the ingestion events (default 2000)"),
        ("experiment-enrollments", "enrollment rows of the experiment figure (default 1000000)"),
    ):
        parser.add_argument(f"--{name}", type=_positive, default=None, help=help_text)
    parser.add_argument(
        "--timeout",
        type=_positive,
        default=3600,
        help="seconds a scenario may wait for its enrollments before giving up (default 3600)",
    )
    parser.add_argument(
        "--backend",
        choices=[SQLITE, POSTGRESQL, "all"],
        default="all",
        help="databases of the ingestion, stats and profiles search figures: all = SQLite, "
        "plus PostgreSQL when FLOWLINE_BENCH_DATABASE_URL or FLOWLINE_TEST_DATABASE_URL is set",
    )
    parser.add_argument(
        "--database-url",
        default=environment.postgresql_url,
        help="PostgreSQL URL (default: FLOWLINE_BENCH_DATABASE_URL, else "
        "FLOWLINE_TEST_DATABASE_URL); the bench uses schemas of its own",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run the ingestion service path under cProfile, and sample the worker with "
        "py-spy during the throughput runs, and print where time goes",
    )
    parser.add_argument("--profile-top", type=_positive, default=30, help="functions to list")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the events")
    parser.add_argument(
        "--keep-data",
        metavar="DIR",
        default=None,
        help="keep the SQLite database the segment preview loads (minutes of work) in DIR, and "
        "reuse it on a later run with the same sizes: the timed queries alone are re-run",
    )
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    if not args.quick and environment.bench_scale != 1.0:
        for name in _SCALED:
            sizes[name] = max(1, round(sizes[name] * environment.bench_scale))
    for name in sizes:
        given = getattr(args, name)
        if given is not None:
            sizes[name] = given
    if sizes["batch_size"] > 1000:
        parser.error("--batch-size: the API takes at most 1000 events per batch")
    url: str | None = args.database_url
    if args.backend == POSTGRESQL and not url:
        parser.error("--backend postgresql needs FLOWLINE_BENCH_DATABASE_URL or --database-url")
    if args.backend == "all":
        backends: tuple[str, ...] = (SQLITE, POSTGRESQL) if url else (SQLITE,)
    else:
        backends = (args.backend,)
    return Options(
        scenarios=args.only,
        backends=backends,
        postgresql_url=url,
        timeout=float(args.timeout),
        profile=args.profile,
        profile_top=args.profile_top,
        seed=args.seed,
        quick=args.quick,
        keep_data=args.keep_data,
        **sizes,
    )
