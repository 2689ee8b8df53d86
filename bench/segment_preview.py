"""`POST /v1/segments/preview` over many profiles and events: who matches a rule now.

N profiles (the shop's properties of `profile_search`: a city among 40, a plan, `email_optin`
for 70 %, ...) and M events over the last year (`page_view` 60 %, `email_open` 20 %,
`purchase` 10 % with a `plan` and an `amount`, `signed_up` 10 %) are written straight to the
database, not timed: profiles as ingestion writes them (the search index filled by its
triggers), events in bulk (executemany in big transactions on SQLite, COPY on PostgreSQL) with
their indexes built afterwards, counters computed from them. A segment counts one `where`
(as a saved segment would). Then each representative rule is previewed R times in process
(`preview`, the service behind the route): median and p95 against the target.
"""

import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from bench import profile_search
from bench.config import SQLITE
from bench.databases import fresh_engine
from bench.figures import Figure
from bench.stats import p95
from flowline.core.database import make_engine, migrate, read_scope, session_scope
from flowline.core.services.segments.crud import create_segment
from flowline.core.services.segments.preview import preview
from flowline.definitions.segments import SegmentRule

PREVIEW_TARGET_MS = 1000.0
_EVENT_CHUNK = 200_000
_NAMES = (["page_view"] * 6) + (["email_open"] * 2) + ["purchase", "signed_up"]
_PLANS = ["free", "pro", "team"]
_PRO_PURCHASE = {"property": "plan", "op": "eq", "value": "pro"}

RULES: dict[str, dict[str, Any]] = {
    "property eq (city, 2.5 %)": {"property": "city", "op": "eq", "value": "City 7"},
    "property eq true (email_optin, 70 %)": {
        "property": "email_optin",
        "op": "eq",
        "value": True,
    },
    "performed page_view >= 3 within 30 days": {
        "event": "page_view",
        "min_count": 3,
        "within": "P30D",
    },
    "performed purchase >= 2 (counter)": {"event": "purchase", "min_count": 2},
    "where plan=pro within 30 days": {
        "event": "purchase",
        "within": "P30D",
        "where": _PRO_PURCHASE,
    },
    "where plan=pro, counted by a segment": {"event": "purchase", "where": _PRO_PURCHASE},
    "any/not mix": {
        "all": [
            {"property": "email_optin", "op": "eq", "value": True},
            {
                "any": [
                    {"property": "plan", "op": "in", "value": ["pro", "team"]},
                    {"event": "purchase", "within": "P30D"},
                ]
            },
            {"not": {"event": "email_open", "within": "P30D"}},
        ]
    },
}


@dataclass
class PreviewResult:
    backend: str
    profiles: int
    events: int
    timings: dict[str, list[float]]  # rule -> ms per preview
    counts: dict[str, int]


def _sqlite_time(moment: datetime) -> str:
    """How a UTCDateTime column stores a moment on SQLite (naive UTC, microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _events(n_profiles: int, n_events: int, now: datetime, seed: int) -> Any:
    """(profile_id, name, properties JSON, timestamp) in time order, oldest first."""
    rng = random.Random(seed)
    year = 365 * 24 * 3600
    step = year / max(1, n_events)
    start = now - timedelta(seconds=year)
    for i in range(n_events):
        name = rng.choice(_NAMES)
        if name == "purchase":
            properties = f'{{"plan": "{rng.choice(_PLANS)}", "amount": {rng.randrange(5, 500)}}}'
        else:
            properties = "{}"
        moment = start + timedelta(seconds=i * step)
        pid = f"profile-{rng.randrange(1, n_profiles + 1):07d}"
        yield pid, name, properties, moment


def _index_definitions(engine: Engine) -> list[tuple[str, str]]:
    """The CREATE INDEX statements of `events`' secondary indexes (dropped for the load)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(
                sa.text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events' "
                    "AND schemaname = current_schema() AND indexname LIKE 'ix_%'"
                )
            )
        else:
            rows = connection.execute(
                sa.text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = 'events' AND name LIKE 'ix_%'"
                )
            )
        return [(str(name), str(sql)) for name, sql in rows]


def _load_events(engine: Engine, n_profiles: int, n_events: int, seed: int) -> None:
    now = datetime.now(UTC)
    indexes = _index_definitions(engine)
    with engine.begin() as connection:
        for name, _sql in indexes:
            connection.execute(sa.text(f"DROP INDEX {name}"))
    rows = _events(n_profiles, n_events, now, seed)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(  # type: ignore[attr-defined]
                "COPY events (profile_id, name, properties, timestamp, received_at) FROM STDIN"
            ) as copy:
                for pid, name, properties, moment in rows:
                    copy.write_row((pid, name, properties, moment, now))
        else:
            received = _sqlite_time(now)
            statement = (
                "INSERT INTO events (profile_id, name, properties, timestamp, received_at) "
                "VALUES (?, ?, ?, ?, ?)"
            )
            while True:
                batch = [
                    (pid, name, properties, _sqlite_time(moment), received)
                    for pid, name, properties, moment in _take(rows, _EVENT_CHUNK)
                ]
                if not batch:
                    break
                cursor.executemany(statement, batch)
                raw.commit()
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as connection:
        for _name, sql in indexes:
            connection.execute(sa.text(sql))
        connection.execute(
            sa.text(
                "INSERT INTO event_counters (profile_id, name, count, last_at) "
                "SELECT profile_id, name, count(*), max(timestamp) FROM events "
                "GROUP BY profile_id, name"
            )
        )


def _take(rows: Any, n: int) -> list[Any]:
    found = []
    for row in rows:
        found.append(row)
        if len(found) == n:
            break
    return found


def _analyze(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            for table in ("events", "event_counters", "condition_counters", "profile_search"):
                connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
        else:
            connection.exec_driver_sql("ANALYZE")


def populate(engine: Engine, n_profiles: int, n_events: int, seed: int = 1) -> None:
    profile_search.populate(engine, n_profiles, seed)
    _load_events(engine, n_profiles, n_events, seed)
    with session_scope(engine) as session:
        # A saved segment counts its `where` (backfilled from the stored events).
        create_segment(session, "Pro buyers", {"event": "purchase", "where": _PRO_PURCHASE})
    _analyze(engine)


@contextmanager
def _loaded(
    backend: str, postgresql_url: str | None, n_profiles: int, n_events: int, keep: str | None
) -> Iterator[Engine]:
    """A database holding the profiles and events: loaded now, or (SQLite with `keep`) the one
    a run with the same sizes loaded and kept before."""
    if keep is None or backend != SQLITE:
        with fresh_engine(backend, postgresql_url, "preview") as engine:
            _populate_timed(engine, backend, n_profiles, n_events)
            yield engine
        return
    path = Path(keep) / f"preview-{n_profiles}-{n_events}.sqlite"
    done = path.with_suffix(".loaded")
    if not done.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        _populate_timed(engine, backend, n_profiles, n_events)
        done.touch()
    else:
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        print(f"[preview/{backend}] reusing the database loaded before: {path}", flush=True)
    try:
        yield engine
    finally:
        engine.dispose()


def _populate_timed(engine: Engine, backend: str, n_profiles: int, n_events: int) -> None:
    started = time.perf_counter()
    populate(engine, n_profiles, n_events)
    print(
        f"[preview/{backend}] {n_profiles:,} profiles and {n_events:,} events written and "
        f"indexed in {time.perf_counter() - started:.1f}s",
        flush=True,
    )


def run(
    backend: str,
    postgresql_url: str | None,
    n_profiles: int,
    n_events: int,
    repeat: int,
    keep: str | None = None,
) -> PreviewResult:
    with _loaded(backend, postgresql_url, n_profiles, n_events, keep) as engine:
        timings: dict[str, list[float]] = {}
        counts: dict[str, int] = {}
        for kind, raw in RULES.items():
            rule = SegmentRule.model_validate(raw)
            timings[kind] = []
            for _ in range(repeat):
                started = time.perf_counter()
                with read_scope(engine) as session:
                    found = preview(session, rule)
                timings[kind].append((time.perf_counter() - started) * 1000)
                counts[kind] = found.count
        return PreviewResult(backend, n_profiles, n_events, timings, counts)


def figures(result: PreviewResult) -> list[Figure]:
    found = []
    for kind, timings in result.timings.items():
        worst = p95(timings)
        found.append(
            Figure(
                f"segment preview at {result.profiles:,} / {result.events:,} [{result.backend}] "
                f"{kind} median / p95",
                f"{statistics.median(timings):,.0f} ms / {worst:,.0f} ms",
                f"< {PREVIEW_TARGET_MS:,.0f} ms",
                "",
                worst < PREVIEW_TARGET_MS,
            )
        )
    return found


def line(result: PreviewResult) -> str:
    parts = [
        f"{kind}: median {statistics.median(t):.0f} ms, p95 {p95(t):.0f} ms "
        f"(count {result.counts[kind]:,})"
        for kind, t in result.timings.items()
    ]
    return (
        f"segment preview at {result.profiles:,} profiles / {result.events:,} events "
        f"[{result.backend}]: " + "; ".join(parts)
    )
