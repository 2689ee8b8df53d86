"""`GET /v1/workflows/{id}/experiment` at many enrollment rows.

A workflow with a 10 % holdout and a two-path split gets N enrollment rows of its current
version (about 20 % converted; each treatment row with its path row), beside N/10 rows of an
older version, a second workflow with N/10 rows of its own, and a few test enrollments the
figures leave out. Rows are written straight to the database (not timed); then the experiment
is read R times in process (`workflow_experiment`) and R times through `flowline api` over
HTTP: median and p95 of each.
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
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.experiments import EnrollmentPath
from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.core.services.sql import insert_rows
from flowline.core.services.workflows.experiment import workflow_experiment
from flowline.core.timestamps import utcnow

EXPERIMENT_TARGET_MS = 200.0
_CHUNK = 5_000
_DEFINITION: dict[str, Any] = {
    "name": "Experiment: measured",
    "trigger": {"type": "event", "event": "booked"},
    "goal": {"event": "checked_in"},
    "holdout_percent": 10,
    "goal_window": "P14D",
    "steps": [
        {"type": "wait", "duration": "PT86400S"},
        {
            "type": "split",
            "auto_winner": True,
            "paths": [
                {"name": "A", "weight": 50, "steps": []},
                {"name": "B", "weight": 50, "steps": []},
            ],
        },
    ],
}


# The other workflow: created first, it is what `flowline api`'s readiness check lists, so its
# definition stays one every version of the definition model parses.
_PLAIN: dict[str, Any] = {
    "name": "Experiment: another workflow",
    "trigger": {"type": "event", "event": "booked"},
    "steps": [{"type": "wait", "duration": "PT86400S"}],
}


@dataclass
class ExperimentResult:
    backend: str
    enrollments: int
    service_ms: list[float]
    api_ms: list[float]
    check: dict[str, Any]


def _create(engine: Engine, definition: dict[str, Any], versions: int) -> int:
    with session_scope(engine) as session:
        workflow = Workflow(name=definition["name"], version=versions, enabled_at=utcnow())
        session.add(workflow)
        session.flush()
        assert workflow.id is not None
        for version in range(1, versions + 1):
            session.add(
                WorkflowVersion(workflow_id=workflow.id, version=version, definition=definition)
            )
        return workflow.id


def _write(
    engine: Engine, rng: random.Random, workflow_id: int, version: int, first: int, n: int
) -> None:
    now = utcnow()
    for start in range(0, n, _CHUNK):
        enrollments, paths = [], []
        for eid in range(first + start, first + min(n, start + _CHUNK)):
            holdout = rng.random() < 0.10
            path = rng.randrange(2)
            converted = rng.random() < (0.18 if holdout else 0.20 + 0.02 * path)
            enrollments.append(
                {
                    "id": eid,
                    "workflow_id": workflow_id,
                    "version": version,
                    "profile_id": f"profile-{eid:08d}",
                    "temporal_workflow_id": f"enroll:{workflow_id}:profile-{eid:08d}",
                    "temporal_run_id": f"run-{eid:09d}",
                    "status": "converted" if converted else "completed",
                    "converted_at": now if converted else None,
                    "steps_completed": 2,
                    "test": eid % 20_000 == 0,
                    "started_at": now,
                    "cohort": "holdout" if holdout else "treatment",
                }
            )
            if not holdout:
                paths.append(
                    {
                        "enrollment_id": eid,
                        "workflow_id": workflow_id,
                        "version": version,
                        "step_path": "1",
                        "path_index": path,
                        "path_name": "AB"[path],
                        "chosen_at": now,
                    }
                )
        with session_scope(engine) as session:
            insert_rows(session, Enrollment.__table__, enrollments)  # type: ignore[attr-defined]
            insert_rows(session, EnrollmentPath.__table__, paths)  # type: ignore[attr-defined]


def populate(engine: Engine, n: int, seed: int = 1) -> int:
    """N rows of the measured workflow's current version, and the rows around them."""
    rng = random.Random(seed)
    other = _create(engine, _PLAIN, versions=1)
    measured = _create(engine, _DEFINITION, versions=2)
    tenth = max(1, n // 10)
    first = 1
    for workflow_id, version, count in [(measured, 2, n), (measured, 1, tenth), (other, 1, tenth)]:
        _write(engine, rng, workflow_id, version, first, count)
        first += count
    with engine.connect() as connection:  # fresh planner statistics, as autovacuum keeps them
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return measured


def run(
    backend: str, postgresql_url: str | None, n: int, repeat: int, log_dir: Path
) -> ExperimentResult:
    with fresh_engine(backend, postgresql_url, "experiment") as engine:
        started = time.perf_counter()
        workflow_id = populate(engine, n)
        print(
            f"[experiment/{backend}] {n:,} enrollments (+{2 * (n // 10):,} of an older version "
            f"and another workflow) written in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        service: list[float] = []
        for _ in range(repeat):
            started = time.perf_counter()
            with read_scope(engine) as session:
                result = workflow_experiment(session, session.get_one(Workflow, workflow_id))
            service.append((time.perf_counter() - started) * 1000)
        api: list[float] = []
        with (
            api_process(engine_url(engine), log_dir) as api_server,
            httpx.Client(base_url=api_server.url, headers=api_server.headers) as client,
        ):
            path = f"/v1/workflows/{workflow_id}/experiment"
            client.get(path).raise_for_status()  # warm: pool open
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                api.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            answered = response.json()
        groups = result.groups
        check = {
            "enrolled": groups.treatment.enrolled + groups.holdout.enrolled,
            "api_enrolled": answered["groups"]["treatment"]["enrolled"]
            + answered["groups"]["holdout"]["enrolled"],
            "paths": [p.enrolled for p in result.splits[0].paths],
        }
        return ExperimentResult(backend, n, service, api, check)


def figure(result: ExperimentResult) -> Figure:
    p95_api = p95(result.api_ms)
    return Figure(
        f"experiment at {result.enrollments:,} enrollment rows [{result.backend}] "
        "median / p95 (API)",
        f"{statistics.median(result.api_ms):,.0f} ms / {p95_api:,.0f} ms",
        f"< {EXPERIMENT_TARGET_MS:.0f} ms",
        "",
        p95_api < EXPERIMENT_TARGET_MS,
    )


def line(result: ExperimentResult) -> str:
    return (
        f"experiment at {result.enrollments:,} enrollments [{result.backend}]: through the API "
        f"median {statistics.median(result.api_ms):.0f} ms, p95 {p95(result.api_ms):.0f} ms "
        f"(target < {EXPERIMENT_TARGET_MS:.0f} ms); in process median "
        f"{statistics.median(result.service_ms):.0f} ms, p95 {p95(result.service_ms):.0f} ms; "
        f"enrolled={result.check['enrolled']:,}, paths={result.check['paths']}"
    )
