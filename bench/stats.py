"""`GET /v1/workflows/{id}/stats` over many enrollment rows (alone, and with many
enrollments waiting).

A workflow of [http_call, wait, http_call, wait, http_call] gets N enrollment rows (statuses
and steps in a realistic mix, one delivery per executed action step), beside a second workflow
with N/10 rows of its own and a few test enrollments that the stats leave out. Rows are written
straight to the database (not timed); then the stats are read R times in process
(`workflow_stats`) and R times through `flowline api` over HTTP: median and p95 of each.
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
from flowline.core.database import read_scope, session_scope
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.models.workflows import Workflow
from flowline.core.services.sql import insert_rows
from flowline.core.services.workflows.crud import (
    create_workflow,
    current_definition,
    update_workflow,
)
from flowline.core.services.workflows.stats import workflow_stats
from flowline.core.timestamps import utcnow

STATS_TARGET_MS = 200.0
_HTTP = {"type": "http_call", "method": "POST", "url": "https://crm.example/hook"}
_WAIT = {"type": "wait", "duration": "P1D"}
_STEPS = [_HTTP, _WAIT, _HTTP, _WAIT, _HTTP]
_ACTION_STEPS = [0, 2, 4]
_CHUNK = 5_000


@dataclass
class StatsResult:
    backend: str
    enrollments: int
    deliveries: int
    service_ms: list[float]
    api_ms: list[float]
    check: dict[str, Any]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _body(name: str) -> dict[str, Any]:
    return {"name": name, "trigger": {"type": "event", "event": "signup"}, "steps": _STEPS}


def _create(engine: Engine, name: str) -> int:
    with session_scope(engine) as session:
        workflow = create_workflow(session, WorkflowCreate.model_validate(_body(name)))
        assert workflow.id is not None
        return workflow.id


def _rows(
    rng: random.Random, workflow_id: int, first: int, n: int, test: bool = False
) -> tuple[list[dict[str, Any]], list[tuple[int, int, str]]]:
    """Enrollment rows with explicit ids, and (enrollment id, step, status) of deliveries."""
    now = utcnow()
    enrollments, deliveries = [], []
    for offset in range(n):
        eid = first + offset
        steps = rng.choices([0, 1, 2, 3, 4, 5], [5, 30, 10, 25, 10, 20])[0]
        status = "completed" if steps == 5 else rng.choices(["active", "exited"], [19, 1])[0]
        converted = now if rng.random() < 0.08 else None
        if converted is not None and status == "active" and rng.random() < 0.5:
            status = "converted"
        enrollments.append(
            {
                "id": eid,
                "workflow_id": workflow_id,
                "version": 1 if rng.random() < 0.3 else 2,
                "profile_id": f"profile-{eid:07d}",
                "temporal_workflow_id": f"enroll:{workflow_id}:profile-{eid:07d}",
                "temporal_run_id": f"run-{eid:09d}",
                "status": status,
                "exit_reason": "disabled" if status == "exited" else None,
                "converted_at": converted,
                "steps_completed": steps,
                "test": test,
                "started_at": now,
                "ended_at": None if status == "active" else now,
            }
        )
        for step in _ACTION_STEPS:
            if step < steps or (step == steps and rng.random() < 0.5):
                outcome = rng.choices(["sent", "failed", "skipped"], [90, 7, 3])[0]
                deliveries.append((eid, step, outcome))
    return enrollments, deliveries


def populate(engine: Engine, n: int, seed: int = 1) -> tuple[int, int]:
    """N enrollments (+ deliveries) of the measured workflow; returns its id and the number
    of deliveries written in all."""
    rng = random.Random(seed)
    measured = _create(engine, "Stats: measured")
    other = _create(engine, "Stats: another workflow")
    with session_scope(engine) as session:  # a second version: the funnel reads the current one
        for wid in (measured, other):
            workflow = session.get_one(Workflow, wid)
            update_workflow(session, workflow, WorkflowCreate.model_validate(_body(workflow.name)))
    plan = [(measured, n, False), (other, max(1, n // 10), False), (measured, 50, True)]
    first, written = 1, 0
    for workflow_id, count, test in plan:
        for start in range(0, count, _CHUNK):
            size = min(_CHUNK, count - start)
            enrollments, deliveries = _rows(rng, workflow_id, first, size, test)
            versions = {row["id"]: row["version"] for row in enrollments}
            first += size
            now = utcnow()
            with session_scope(engine) as session:
                insert_rows(session, Enrollment.__table__, enrollments)  # type: ignore[attr-defined]
                insert_rows(
                    session,
                    Delivery.__table__,  # type: ignore[attr-defined]
                    [
                        {
                            "enrollment_id": eid,
                            "workflow_id": workflow_id,
                            "version": versions[eid],
                            "test": test,
                            "step_index": step,
                            "step_path": str(step),
                            "type": "http_call",
                            "status": status,
                            "detail": "200",
                            "attempts": 1,
                            "created_at": now,
                            "updated_at": now,
                        }
                        for eid, step, status in deliveries
                    ],
                )
            written += len(deliveries)
    _analyze(engine)
    return measured, written


def _analyze(engine: Engine) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or a long-running install has."""
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def _service_ms(engine: Engine, workflow_id: int, repeat: int) -> tuple[list[float], Any]:
    timings = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        with read_scope(engine) as session:
            workflow = session.get_one(Workflow, workflow_id)
            result = workflow_stats(session, workflow, current_definition(session, workflow))
        timings.append((time.perf_counter() - started) * 1000)
    assert result is not None
    return timings, result


def run(
    backend: str, postgresql_url: str | None, n: int, repeat: int, log_dir: Path
) -> StatsResult:
    with fresh_engine(backend, postgresql_url, "stats") as engine:
        started = time.perf_counter()
        workflow_id, deliveries = populate(engine, n)
        print(
            f"[stats/{backend}] {n:,} enrollments (+{n // 10:,} of another workflow), "
            f"{deliveries:,} deliveries written in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        service, result = _service_ms(engine, workflow_id, repeat)
        api: list[float] = []
        with (
            api_process(engine_url(engine), log_dir) as api_server,
            httpx.Client(base_url=api_server.url, headers=api_server.headers) as client,
        ):
            path = f"/v1/workflows/{workflow_id}/stats"
            client.get(path).raise_for_status()  # warm: definitions parsed, pool open
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                api.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            answered = response.json()
        check = {"enrolled": result.enrolled, "api_enrolled": answered["enrolled"]}
        return StatsResult(backend, n, deliveries, service, api, check)


def figure(result: StatsResult) -> Figure:
    p95_api = p95(result.api_ms)
    return Figure(
        f"stats at {result.enrollments:,} enrollment rows [{result.backend}] median / p95 (API)",
        f"{statistics.median(result.api_ms):,.0f} ms / {p95_api:,.0f} ms",
        f"< {STATS_TARGET_MS:.0f} ms",
        "",
        p95_api < STATS_TARGET_MS,
    )


def line(result: StatsResult) -> str:
    return (
        f"stats at {result.enrollments:,} enrollments [{result.backend}]: through the API "
        f"median {statistics.median(result.api_ms):.0f} ms, p95 {p95(result.api_ms):.0f} ms "
        f"(target < {STATS_TARGET_MS:.0f} ms); in process median "
        f"{statistics.median(result.service_ms):.0f} ms, p95 {p95(result.service_ms):.0f} ms; "
        f"enrolled={result.check['enrolled']:,}"
    )
