"""What the benchmark reads from the environment, and its command-line options."""

import argparse
from dataclasses import dataclass

from pydantic_settings import BaseSettings, SettingsConfigDict

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
INGESTION = "ingestion"
ENROLLMENTS = "enrollments"


class BenchEnvironment(BaseSettings):
    """`FLOWLINE_BENCH_DATABASE_URL`, else `FLOWLINE_TEST_DATABASE_URL`: a PostgreSQL to use."""

    model_config = SettingsConfigDict(env_prefix="FLOWLINE_", extra="ignore")

    bench_database_url: str | None = None
    test_database_url: str | None = None

    @property
    def postgresql_url(self) -> str | None:
        return self.bench_database_url or self.test_database_url


@dataclass(frozen=True)
class Options:
    backends: tuple[str, ...]
    batches: int
    batch_size: int
    profiles: int
    postgresql_url: str | None
    profile: bool
    profile_top: int
    seed: int
    scenarios: tuple[str, ...] = (INGESTION, ENROLLMENTS)
    enrollments: int = 500
    enrollment_timeout: float = 180.0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_options(argv: list[str] | None = None) -> Options:
    environment = BenchEnvironment()
    parser = argparse.ArgumentParser(
        prog="python -m flowline.bench",
        description="Ingestion benchmark: batches of events through the API and the service. "
        "Enrollment benchmark: N enrollments through Flowline (outbox dispatcher, worker) and "
        "through a bare Temporal workflow of the same shape, on a private Temporal dev server.",
    )
    parser.add_argument(
        "--scenario",
        choices=[INGESTION, ENROLLMENTS, "all"],
        default="all",
        help="what to measure (default: all, ingestion then enrollments)",
    )
    parser.add_argument(
        "--enrollments",
        type=_positive,
        default=500,
        help="enrollments per run of the enrollment scenario (default 500)",
    )
    parser.add_argument(
        "--enrollment-timeout",
        type=_positive,
        default=180,
        help="seconds each enrollment run may take before the benchmark gives up (default 180)",
    )
    parser.add_argument(
        "--backend",
        choices=[SQLITE, POSTGRESQL, "all"],
        default="all",
        help="all: SQLite, plus PostgreSQL when FLOWLINE_BENCH_DATABASE_URL or "
        "FLOWLINE_TEST_DATABASE_URL is set (default: all)",
    )
    parser.add_argument(
        "--batches", type=_positive, default=10, help="batches per run (default 10)"
    )
    parser.add_argument(
        "--batch-size",
        type=_positive,
        default=1000,
        help="events per batch, at most 1000 (default 1000)",
    )
    parser.add_argument(
        "--profiles", type=_positive, default=2000, help="distinct profiles (default 2000)"
    )
    parser.add_argument(
        "--database-url",
        default=environment.postgresql_url,
        help="PostgreSQL URL (default: FLOWLINE_BENCH_DATABASE_URL, else "
        "FLOWLINE_TEST_DATABASE_URL)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run the service path under cProfile and print where the time goes",
    )
    parser.add_argument(
        "--profile-top", type=_positive, default=30, help="functions to list (default 30)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the events")
    args = parser.parse_args(argv)
    if args.batch_size > 1000:
        parser.error("--batch-size: the API takes at most 1000 events per batch")
    url: str | None = args.database_url
    if args.backend == POSTGRESQL and not url:
        parser.error(
            "--backend postgresql needs FLOWLINE_BENCH_DATABASE_URL, "
            "FLOWLINE_TEST_DATABASE_URL or --database-url"
        )
    if args.backend == "all":
        backends: tuple[str, ...] = (SQLITE, POSTGRESQL) if url else (SQLITE,)
    else:
        backends = (args.backend,)
    return Options(
        backends=backends,
        batches=args.batches,
        batch_size=args.batch_size,
        profiles=args.profiles,
        postgresql_url=url,
        profile=args.profile,
        profile_top=args.profile_top,
        seed=args.seed,
        scenarios=(INGESTION, ENROLLMENTS) if args.scenario == "all" else (args.scenario,),
        enrollments=args.enrollments,
        enrollment_timeout=float(args.enrollment_timeout),
    )
