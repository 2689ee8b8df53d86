"""Dry run over a long history: `POST /v1/workflows/dry-run`'s engine at N events / P profiles.

P profiles (`email_optin` for 70 %, a plan, an address) and N events over the last 30 days are
written straight to the database (not timed): one `signed_up` per profile, a `purchase` (the
goal) for one in three, and `page_view`s for the rest. The workflow reads every one of them:
trigger `signed_up`, goal `purchase` with exit, then an email, a wait for a `page_view` (2
days), a branch on the plan (email or HTTP call), a wait of a day and a last email, under a
frequency cap of 2 per 7 days. Timed: the whole dry run of the last 30 days through the service
the API calls (reading the history a page at a time, profiles as of now, the simulation),
R times; the best and the median, and the peak of Python memory it allocated (tracemalloc, in
a separate run: it slows the run down).
"""

import random
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from bench.databases import fresh_engine
from bench.figures import Figure
from flowline.core.database import read_scope, session_scope
from flowline.core.models.events import Event
from flowline.core.models.installation_settings import FrequencyCap, InstallationSettings
from flowline.core.models.profiles import Profile
from flowline.core.services.installation_settings import replace_settings
from flowline.core.services.sql import insert_rows
from flowline.core.services.workflows.dry_run import dry_run
from flowline.core.timestamps import utcnow
from flowline.definitions.dry_run import DryRunReport
from flowline.definitions.workflows import WorkflowDefinition

TARGET_SECONDS = 10.0
DAYS = 30
_CHUNK = 20_000
EMAIL = {"type": "send_email", "campaign_id": 1, "email_property": "email"}
WORKFLOW = {
    "name": "Sign-up series",
    "trigger": {"type": "event", "event": "signed_up"},
    "consent_property": "email_optin",
    "goal": {"event": "purchase"},
    "exit_on_goal": True,
    "steps": [
        EMAIL,
        {"type": "wait_for_event", "event": "page_view", "timeout": "P2D"},
        {
            "type": "branch",
            "condition": {"property": "plan", "op": "eq", "value": "pro"},
            "then": [EMAIL],
            "else": [{"type": "http_call", "url": "https://crm.example/hook"}],
        },
        {"type": "wait", "duration": "P1D"},
        EMAIL,
    ],
}


@dataclass
class DryRunResult:
    backend: str
    events: int
    profiles: int
    seconds: list[float]
    cpu: list[float]
    """CPU seconds of the process in each run (the database server's are not in it)."""
    peak_mib: float
    report: DryRunReport


def populate(engine: Engine, profiles: int, events: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    now = utcnow()
    start = now - timedelta(days=DAYS)
    period = DAYS * 86_400 - 60
    with session_scope(engine) as session:
        replace_settings(
            session,
            InstallationSettings(email_frequency_cap=FrequencyCap(max=2, per=timedelta(days=7))),
        )
    people = [f"person-{n:07d}" for n in range(profiles)]
    for first in range(0, profiles, _CHUNK):
        rows = [
            {
                "id": pid,
                "properties": {
                    "email": f"{pid}@example.test",
                    "email_optin": rng.random() < 0.7,
                    "plan": rng.choices(["free", "pro"], [80, 20])[0],
                },
                "created_at": now,
                "updated_at": now,
            }
            for pid in people[first : first + _CHUNK]
        ]
        with session_scope(engine) as session:
            insert_rows(session, Profile.__table__, rows)  # type: ignore[attr-defined]
    table = Event.__table__  # type: ignore[attr-defined]
    written = 0
    while written < events:
        rows = []
        for n in range(written, min(events, written + _CHUNK)):
            pid = people[n % profiles]
            kind = n // profiles
            name = (
                "signed_up"
                if kind == 0
                else "purchase"
                if kind == 1 and n % 3 == 0
                else "page_view"
            )
            rows.append(_event(pid, name, start + timedelta(seconds=rng.randrange(period)), now))
        with session_scope(engine) as session:
            insert_rows(session, table, rows)
        written += len(rows)
    _analyze(engine)


def _event(profile_id: str, name: str, at: Any, now: Any) -> dict[str, Any]:
    return {
        "profile_id": profile_id,
        "name": name,
        "properties": {},
        "timestamp": at,
        "message_id": None,
        "received_at": now,
    }


def _analyze(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE events")
            connection.exec_driver_sql("VACUUM ANALYZE profiles")
        else:
            connection.exec_driver_sql("ANALYZE")


def _once(engine: Engine, definition: WorkflowDefinition) -> tuple[float, float, DryRunReport]:
    """Seconds of wall clock and of this process's CPU (what a busy machine does not inflate)."""
    started, cpu = time.perf_counter(), time.process_time()
    with read_scope(engine) as session:
        report = dry_run(session, definition, days=DAYS)
    return time.perf_counter() - started, time.process_time() - cpu, report


def run(
    backend: str, postgresql_url: str | None, events: int, profiles: int, repeat: int
) -> DryRunResult:
    definition = WorkflowDefinition.model_validate(WORKFLOW)
    with fresh_engine(backend, postgresql_url, "dryrun") as engine:
        started = time.perf_counter()
        populate(engine, profiles, events)
        print(
            f"[dryrun/{backend}] {profiles:,} profiles and {events:,} events written in "
            f"{time.perf_counter() - started:.1f}s",
            flush=True,
        )
        seconds, cpu = [], []
        report = None
        for _ in range(repeat):
            took, used, report = _once(engine, definition)
            seconds.append(took)
            cpu.append(used)
        assert report is not None
        tracemalloc.start()
        _once(engine, definition)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return DryRunResult(backend, events, profiles, seconds, cpu, peak / 2**20, report)


def figures(result: DryRunResult) -> list[Figure]:
    best, median = min(result.seconds), statistics.median(result.seconds)
    return [
        Figure(
            f"dry run of {result.events:,} events / {result.profiles:,} profiles "
            f"[{result.backend}] best / median",
            f"{best:,.1f} s / {median:,.1f} s",
            f"< {TARGET_SECONDS:.0f} s",
            "",
            median < TARGET_SECONDS,
        ),
        Figure(
            f"dry run of {result.events:,} events [{result.backend}] peak Python memory",
            f"{result.peak_mib:,.0f} MiB",
            "bounded (streams the history)",
        ),
    ]


def line(result: DryRunResult) -> str:
    report = result.report
    return (
        f"dry run [{result.backend}]: {', '.join(f'{s:.2f} s' for s in result.seconds)} "
        f"(CPU {', '.join(f'{s:.2f} s' for s in result.cpu)}); "
        f"{report.events_replayed:,} events replayed, {report.would_enroll:,} would enroll, "
        f"{report.skipped_no_consent:,} skipped for consent, {report.converted:,} converted, "
        f"{sum(s.emails for s in report.steps):,} emails, "
        f"{sum(s.skipped_frequency_cap for s in report.steps):,} over the cap; "
        f"peak Python memory {result.peak_mib:,.0f} MiB"
    )
