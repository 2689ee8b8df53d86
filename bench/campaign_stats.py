"""`GET /v1/campaigns/{id}/stats` over many deliveries and engagement rows.

A reminder series of four Send email steps (one campaign, sent by every step) gets N/4
enrollments and N email deliveries (94 % sent, 3 % failed, 3 % skipped), all of the measured
campaign, the worst case: nothing else to skip. Beside them, about 0.3 × N engagement rows
(people opening, some several times; privacy proxies and link scanners; clicks, bounces,
complaints, unsubscribes), and a few test enrollments whose emails the figures leave out. Rows
are written straight to the database (not timed); then the figures are read R times in process
(`campaign_stats`) and R times through `flowline api` over HTTP: median and p95 of each. The
workflow stats of the same series (its per-step email figures) are timed through the API too.
"""

import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from bench.api_process import api_process
from bench.databases import engine_url, fresh_engine
from bench.figures import Figure
from bench.stats import p95
from flowline.core.database import read_scope, session_scope
from flowline.core.models.campaigns import CampaignCreate
from flowline.core.models.engagement import EmailEngagement
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.services.campaigns.crud import create_campaign
from flowline.core.services.email_figures import campaign_stats
from flowline.core.services.sql import insert_rows, table_of
from flowline.core.services.workflows.crud import create_workflow
from flowline.core.timestamps import utcnow

CAMPAIGN_STATS_TARGET_MS = 200.0
_EMAIL_STEPS = ["0", "2", "4", "6"]
_TESTS = 50  # test enrollments: their emails count nowhere
_CHUNK = 2_500  # enrollments per transaction (four deliveries each)


@dataclass
class CampaignStatsResult:
    backend: str
    deliveries: int
    engagements: int
    service_ms: list[float]
    service_cpu_ms: list[float]  # CPU of this process: all of the query's work on SQLite
    api_ms: list[float]
    workflow_api_ms: list[float]
    answer: dict[str, Any]


def _setup(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        campaign = create_campaign(
            session,
            CampaignCreate(name="Reminder", subject="Hi", html="<p>Hi</p>", status="active"),
        )
        email = {"type": "send_email", "campaign_id": campaign.id}
        wait = {"type": "wait", "duration": "P1D"}
        body = {
            "name": "Reminder series",
            "trigger": {"type": "event", "event": "signup"},
            "steps": [email, wait, email, wait, email, wait, email],
        }
        workflow = create_workflow(session, WorkflowCreate.model_validate(body))
        assert campaign.id is not None and workflow.id is not None
        return campaign.id, workflow.id


def _engagements(rng: random.Random, delivery: dict[str, Any]) -> list[tuple[str, bool]]:
    """What happened to one sent email: (kind, machine) rows, repeats included."""
    found: list[tuple[str, bool]] = []
    if rng.random() < 0.03:  # a privacy proxy fetched the pixel, a scanner followed a link
        found += [("open", True), ("click", True)]
    if rng.random() < 0.12:
        found += [("open", False)] * rng.choice([1, 1, 1, 2, 3])
        if rng.random() < 0.25:
            found += [("click", False)] * rng.choice([1, 1, 2])
    if rng.random() < 0.003:
        found.append(("unsubscribe", False))
    if rng.random() < 0.001:
        found.append(("complaint", False))
    if rng.random() < 0.004:
        found.append(("bounce", False))  # reported later by the provider
    return found


def populate(engine: Engine, n: int, seed: int = 1) -> tuple[int, int, int]:
    """N email deliveries (N/4 enrollments) with their engagement rows; returns the campaign,
    the workflow and the number of engagement rows."""
    rng = random.Random(seed)
    campaign_id, workflow_id = _setup(engine)
    enrollments_wanted = max(1, n // len(_EMAIL_STEPS))
    plan = [(enrollments_wanted, False), (_TESTS, True)]
    first, engaged = 1, 0
    delivery_id = 1
    for count, test in plan:
        for start in range(0, count, _CHUNK):
            size = min(_CHUNK, count - start)
            now = utcnow()
            enrollments, deliveries, engagements = [], [], []
            for eid in range(first, first + size):
                enrollments.append(
                    {
                        "id": eid,
                        "workflow_id": workflow_id,
                        "version": 1,
                        "profile_id": f"profile-{eid:07d}",
                        "temporal_workflow_id": f"enroll:{workflow_id}:profile-{eid:07d}",
                        "temporal_run_id": f"run-{eid:09d}",
                        "status": "completed",
                        "steps_completed": 7,
                        "test": test,
                        "started_at": now,
                        "ended_at": now,
                    }
                )
                for path in _EMAIL_STEPS:
                    status = rng.choices(["sent", "failed", "skipped"], [94, 3, 3])[0]
                    row = {
                        "id": delivery_id,
                        "enrollment_id": eid,
                        "workflow_id": workflow_id,
                        "version": 1,
                        "test": test,
                        "step_index": int(path),
                        "step_path": path,
                        "type": "email",
                        "status": status,
                        "detail": "accepted by the SMTP server",
                        "attempts": 1,
                        "campaign_id": campaign_id,
                        "created_at": now,
                        "updated_at": now,
                    }
                    deliveries.append(row)
                    kinds = _engagements(rng, row) if status == "sent" else []
                    if status == "failed" and rng.random() < 0.5:
                        kinds = [("bounce", False)]  # a 5xx at send
                    engagements += [
                        {
                            "delivery_id": delivery_id,
                            "campaign_id": campaign_id,
                            "workflow_id": workflow_id,
                            "version": 1,
                            "step_path": path,
                            "kind": kind,
                            "machine": machine,
                            "at": now,
                        }
                        for kind, machine in kinds
                    ]
                    delivery_id += 1
            first += size
            with session_scope(engine) as session:
                insert_rows(session, table_of(Enrollment), enrollments)
                insert_rows(session, table_of(Delivery), deliveries)
                if engagements:
                    insert_rows(session, table_of(EmailEngagement), engagements)
            engaged += len(engagements)
    _settle(engine)
    return campaign_id, workflow_id, engaged


def _settle(engine: Engine) -> None:
    """Fresh planner statistics and visibility map, as autovacuum gives a settled table."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            for table in ("enrollments", "deliveries", "email_engagements"):
                connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
        else:
            connection.exec_driver_sql("ANALYZE")


def _timed(client: httpx.Client, path: str, repeat: int) -> tuple[list[float], dict[str, Any]]:
    client.get(path).raise_for_status()  # warm: pool open, definitions parsed
    timings = []
    answer: dict[str, Any] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        answer = response.json()
    return timings, answer


def run(
    backend: str, postgresql_url: str | None, n: int, repeat: int, log_dir: Path
) -> CampaignStatsResult:
    with fresh_engine(backend, postgresql_url, "campaignstats") as engine:
        started = time.perf_counter()
        campaign_id, workflow_id, engaged = populate(engine, n)
        deliveries = max(1, n // len(_EMAIL_STEPS)) * len(_EMAIL_STEPS)
        print(
            f"[campaignstats/{backend}] {deliveries:,} deliveries, {engaged:,} engagement rows "
            f"written in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        service, service_cpu = [], []
        for _ in range(repeat):
            started, cpu = time.perf_counter(), time.process_time()
            with read_scope(engine) as session:
                campaign_stats(session, campaign_id)
            service.append((time.perf_counter() - started) * 1000)
            service_cpu.append((time.process_time() - cpu) * 1000)
        with (
            api_process(engine_url(engine), log_dir) as api_server,
            httpx.Client(base_url=api_server.url, headers=api_server.headers) as client,
        ):
            api, answer = _timed(client, f"/v1/campaigns/{campaign_id}/stats", repeat)
            workflow_api, _ = _timed(client, f"/v1/workflows/{workflow_id}/stats", repeat)
        return CampaignStatsResult(
            backend, deliveries, engaged, service, service_cpu, api, workflow_api, answer
        )


def figures(result: CampaignStatsResult) -> list[Figure]:
    worst = p95(result.api_ms)
    return [
        Figure(
            f"campaign stats at {result.deliveries:,} deliveries [{result.backend}] "
            "median / p95 (API)",
            f"{statistics.median(result.api_ms):,.0f} ms / {worst:,.0f} ms",
            f"< {CAMPAIGN_STATS_TARGET_MS:.0f} ms",
            "",
            worst < CAMPAIGN_STATS_TARGET_MS,
        ),
        Figure(
            f"workflow stats with email figures, {result.deliveries // 4:,} enrollments / "
            f"{result.deliveries:,} deliveries [{result.backend}] median / p95 (API)",
            f"{statistics.median(result.workflow_api_ms):,.0f} ms / "
            f"{p95(result.workflow_api_ms):,.0f} ms",
            "",
            "",
            None,
        ),
    ]


def line(result: CampaignStatsResult) -> str:
    answer = result.answer
    return (
        f"campaign stats at {result.deliveries:,} deliveries, {result.engagements:,} engagement "
        f"rows [{result.backend}]: through the API median {statistics.median(result.api_ms):.0f}"
        f" ms, p95 {p95(result.api_ms):.0f} ms (target < {CAMPAIGN_STATS_TARGET_MS:.0f} ms); "
        f"in process median {statistics.median(result.service_ms):.0f} ms, p95 "
        f"{p95(result.service_ms):.0f} ms{_cpu(result)}; workflow stats (email figures of 4 "
        f"steps) median "
        f"{statistics.median(result.workflow_api_ms):.0f} ms, p95 "
        f"{p95(result.workflow_api_ms):.0f} ms; sent={answer.get('sent', 0):,} "
        f"opened={answer.get('opened', 0):,} clicked={answer.get('clicked', 0):,} "
        f"bounced={answer.get('bounced', 0):,}"
    )


def _cpu(result: CampaignStatsResult) -> str:
    """On SQLite the query runs in this process: its CPU time, a figure a busy machine moves
    less than the wall clock."""
    if result.backend != "sqlite":
        return ""
    return f" (CPU median {statistics.median(result.service_cpu_ms):.0f} ms)"
