"""`GET /v1/profiles` over many profiles: by id prefix, by a common and by a rare property value.

N profiles (`profile-0000001`, ...) with the properties a shop sends (email, first name, a city
among 40, a plan, `email_optin` true for 70 %, and a `coupon` only one profile in 100,000 has)
are written straight to the database (not timed; the search index is filled by its triggers, as
ingestion fills it). Then each search is asked R times through `flowline api` over HTTP, with a
different prefix or value each time: median and p95 of each kind, the first page (50) and its
total.
"""

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from bench.api_process import api_process
from bench.databases import engine_url, fresh_engine
from bench.figures import Figure
from bench.stats import p95
from flowline.core.database import session_scope
from flowline.core.models.profiles import Profile
from flowline.core.services.sql import insert_rows
from flowline.core.timestamps import utcnow

SEARCH_TARGET_MS = 200.0
_CHUNK = 10_000
_CITIES = [f"City {n}" for n in range(40)]
_RARE = 100_000  # one profile in this many has a coupon


@dataclass
class SearchResult:
    backend: str
    profiles: int
    timings: dict[str, list[float]]  # kind of search -> ms per request
    totals: dict[str, int]  # kind -> the `total` of its last answer


def _properties(rng: random.Random, n: int) -> dict[str, Any]:
    found: dict[str, Any] = {
        "email": f"person{n}@example.test",
        "first_name": rng.choice(["Ada", "Bert", "Cleo", "Daan", "Eva"]),
        "city": rng.choice(_CITIES),
        "plan": rng.choices(["free", "pro", "team"], [80, 15, 5])[0],
        "email_optin": rng.random() < 0.7,
        "orders": rng.randrange(0, 20),
    }
    if n % _RARE == 0:
        found["coupon"] = f"C{n}"
    return found


def populate(engine: Engine, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    table = Profile.__table__  # type: ignore[attr-defined]
    for start in range(1, n + 1, _CHUNK):
        now = utcnow()
        rows = [
            {
                "id": f"profile-{i:07d}",
                "properties": _properties(rng, i),
                "created_at": now,
                "updated_at": now,
            }
            for i in range(start, min(n, start + _CHUNK - 1) + 1)
        ]
        with session_scope(engine) as session:
            insert_rows(session, table, rows)
    _vacuum(engine)


def _vacuum(engine: Engine) -> None:
    """Fresh planner statistics and visibility map, as autovacuum gives a settled table."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE profiles")
            connection.exec_driver_sql("VACUUM ANALYZE profile_search")
        else:
            connection.exec_driver_sql("ANALYZE")


def _searches(n: int, rng: random.Random) -> dict[str, Callable[[], dict[str, str]]]:
    digits = len(str(n)) - 1  # a prefix matching about 100 ids
    coupons = list(range(_RARE, n + 1, _RARE)) or [1]

    def prefix() -> dict[str, str]:
        number = rng.randrange(1, n + 1)
        return {"prefix": f"profile-{number:07d}"[: 8 + max(1, digits - 1)]}

    return {
        "all (first page)": lambda: {},
        "id prefix": prefix,
        "common value (email_optin=true, 70 %)": lambda: {
            "property": "email_optin",
            "value": "true",
            "offset": str(rng.randrange(0, 1000)),
        },
        "city (2.5 %)": lambda: {"property": "city", "value": rng.choice(_CITIES)},
        "rare value (coupon, 1 in 100,000)": lambda: {
            "property": "coupon",
            "value": f"C{rng.choice(coupons)}",
        },
    }


def run(
    backend: str, postgresql_url: str | None, n: int, repeat: int, log_dir: Path
) -> SearchResult:
    with fresh_engine(backend, postgresql_url, "profiles") as engine:
        started = time.perf_counter()
        populate(engine, n)
        print(
            f"[profiles/{backend}] {n:,} profiles written and indexed in "
            f"{time.perf_counter() - started:.1f}s",
            flush=True,
        )
        timings: dict[str, list[float]] = {}
        totals: dict[str, int] = {}
        rng = random.Random(7)
        with (
            api_process(engine_url(engine), log_dir) as api_server,
            httpx.Client(base_url=api_server.url, headers=api_server.headers) as client,
        ):
            client.get("/v1/profiles").raise_for_status()  # warm: pool open
            for kind, params in _searches(n, rng).items():
                timings[kind] = []
                for _ in range(repeat):
                    query = params()
                    started = time.perf_counter()
                    response = client.get("/v1/profiles", params=query)
                    timings[kind].append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                    totals[kind] = response.json()["total"]
        return SearchResult(backend, n, timings, totals)


def figures(result: SearchResult) -> list[Figure]:
    found = []
    for kind, timings in result.timings.items():
        worst = p95(timings)
        found.append(
            Figure(
                f"profiles search at {result.profiles:,} [{result.backend}] {kind} median / p95",
                f"{statistics.median(timings):,.0f} ms / {worst:,.0f} ms",
                f"< {SEARCH_TARGET_MS:.0f} ms",
                "",
                worst < SEARCH_TARGET_MS,
            )
        )
    return found


def line(result: SearchResult) -> str:
    parts = [
        f"{kind}: median {statistics.median(t):.0f} ms, p95 {p95(t):.0f} ms "
        f"(total {result.totals[kind]:,})"
        for kind, t in result.timings.items()
    ]
    return f"profiles search at {result.profiles:,} [{result.backend}]: " + "; ".join(parts)
