"""Workflow stats from the two stats indexes: versions, statuses, the funnel, test runs left out."""

from typing import Any

from sqlalchemy import Engine

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.workflow_schemas import WorkflowCreate
from flowline.core.models.workflows import Workflow
from flowline.core.services.enrollments.records import record_delivery
from flowline.core.services.workflows.crud import (
    create_workflow,
    current_definition,
    update_workflow,
)
from flowline.core.services.workflows.stats import workflow_stats
from flowline.core.timestamps import utcnow

BODY: dict[str, Any] = {
    "name": "Stats",
    "trigger": {"type": "event", "event": "signup"},
    "steps": [
        {"type": "http_call", "method": "POST", "url": "https://crm.example/a"},
        {"type": "wait", "duration": "P1D"},
        {"type": "http_call", "method": "POST", "url": "https://crm.example/b"},
    ],
}


def enroll(
    engine: Engine,
    workflow_id: int,
    version: int,
    status: str,
    steps: int,
    deliveries: dict[int, str],
    *,
    test: bool = False,
    converted: bool = False,
) -> None:
    with session_scope(engine) as session:
        row = Enrollment(
            workflow_id=workflow_id,
            version=version,
            profile_id="p",
            temporal_workflow_id="enroll:x",
            temporal_run_id=f"run-{utcnow().timestamp()}-{status}-{steps}-{test}-{version}",
            status=status,
            steps_completed=steps,
            test=test,
            converted_at=utcnow() if converted else None,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        for index, outcome in deliveries.items():
            record_delivery(
                session, row.id, str(index), type="http_call", status=outcome, detail="", attempts=1
            )


def test_stats_count_versions_statuses_and_the_current_funnel_without_test_runs(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        workflow = create_workflow(session, WorkflowCreate.model_validate(BODY))
        other = create_workflow(session, WorkflowCreate.model_validate(BODY))
        wid, other_id = workflow.id, other.id
    assert wid is not None and other_id is not None
    enroll(engine, wid, 1, "completed", 3, {0: "sent", 2: "sent"}, converted=True)
    with session_scope(engine) as session:
        update_workflow(
            session, session.get_one(Workflow, wid), WorkflowCreate.model_validate(BODY)
        )
    enroll(engine, wid, 2, "active", 1, {0: "sent"})
    enroll(engine, wid, 2, "active", 2, {0: "failed"}, converted=True)
    enroll(engine, wid, 2, "completed", 3, {0: "sent", 2: "skipped"})
    enroll(engine, wid, 2, "exited", 0, {})
    enroll(engine, wid, 2, "completed", 3, {0: "sent", 2: "sent"}, test=True)
    enroll(engine, other_id, 1, "completed", 3, {0: "sent", 2: "sent"})
    with session_scope(engine) as session:
        workflow = session.get_one(Workflow, wid)
        stats = workflow_stats(session, workflow, current_definition(session, workflow))
    assert (stats.enrolled, stats.active, stats.completed, stats.exited) == (5, 2, 2, 1)
    assert (stats.converted, stats.conversion_rate) == (2, 0.4)
    assert [(v.version, v.enrolled, v.converted) for v in stats.versions] == [(1, 1, 1), (2, 4, 1)]
    funnel = [(s.index, s.executed, s.succeeded, s.failed, s.skipped) for s in stats.steps]
    assert funnel == [(0, 3, 2, 1, 0), (1, 2, 2, 0, 0), (2, 1, 0, 0, 1)]
