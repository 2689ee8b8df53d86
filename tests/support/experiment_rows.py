"""Workflows with a holdout and splits, and their enrollments, written straight to the database:
the engine that assigns groups and paths is not needed to count them."""

import copy
import itertools
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import col, select

from flowline.core.database import session_scope
from flowline.core.models.enrollments import Enrollment
from flowline.core.models.experiments import EnrollmentPath
from flowline.core.models.workflows import Workflow, WorkflowVersion
from flowline.core.timestamps import utcnow

_runs = itertools.count()

SPLIT_STEP: dict[str, Any] = {
    "type": "split",
    "auto_winner": True,
    "paths": [
        {"name": "A", "weight": 50, "steps": [{"type": "wait", "duration": "PT3600S"}]},
        {"name": "B", "weight": 50, "steps": []},
    ],
}
EXPERIMENT_DEFINITION: dict[str, Any] = {
    "name": "Check-in reminder",
    "trigger": {"type": "event", "event": "booked"},
    "goal": {"event": "checked_in"},
    "holdout_percent": 10,
    "goal_window": "P14D",
    "steps": [{"type": "wait", "duration": "PT86400S"}, SPLIT_STEP],
}


# What this branch's `WorkflowDefinition` parses: no holdout field, no split (pages need it).
PLAIN_DEFINITION: dict[str, Any] = {
    "name": "Check-in reminder",
    "trigger": {"type": "event", "event": "booked"},
    "goal": {"event": "checked_in"},
    "steps": [{"type": "wait", "duration": "PT86400S"}],
}


def experiment_definition(**changes: Any) -> dict[str, Any]:
    definition = copy.deepcopy(EXPERIMENT_DEFINITION)
    definition.update(changes)
    return definition


def store_workflow(engine: Engine, definition: dict[str, Any]) -> int:
    """A workflow at version 1 with this stored definition (no save-time checks)."""
    with session_scope(engine) as session:
        workflow = Workflow(name=definition["name"], enabled=True, version=1, enabled_at=utcnow())
        session.add(workflow)
        session.flush()
        assert workflow.id is not None
        session.add(WorkflowVersion(workflow_id=workflow.id, version=1, definition=definition))
        return workflow.id


def store_new_version(engine: Engine, workflow_id: int, definition: dict[str, Any]) -> int:
    with session_scope(engine) as session:
        workflow = session.get_one(Workflow, workflow_id)
        workflow.version += 1
        session.add(
            WorkflowVersion(
                workflow_id=workflow_id, version=workflow.version, definition=definition
            )
        )
        return workflow.version


def add_enrollments(
    engine: Engine,
    workflow_id: int,
    version: int,
    enrolled: int,
    converted: int,
    *,
    cohort: str = "treatment",
    test: bool = False,
    path: tuple[str, int, str] | None = None,
) -> None:
    """`enrolled` enrollments of which the first `converted` converted; with `path` (the
    split's step path, path index, path name) each took that path at that split."""
    now = utcnow()
    batch = f"run-{next(_runs)}-{now.timestamp()}-"
    rows = [
        {
            "workflow_id": workflow_id,
            "version": version,
            "profile_id": f"p{i}",
            "temporal_workflow_id": f"enroll:{workflow_id}:p{i}",
            "temporal_run_id": f"{batch}{i}",
            "status": "converted" if i < converted else "completed",
            "converted_at": now if i < converted else None,
            "steps_completed": 0,
            "test": test,
            "started_at": now,
            "has_failures": False,
            "cohort": cohort,
        }
        for i in range(enrolled)
    ]
    with session_scope(engine) as session:
        if rows:
            session.execute(insert(Enrollment), rows)
        if path is None:
            return
        ids = session.exec(
            select(Enrollment.id).where(col(Enrollment.temporal_run_id).startswith(batch))
        ).all()
        step_path, index, name = path
        session.execute(
            insert(EnrollmentPath),
            [
                {
                    "enrollment_id": eid,
                    "workflow_id": workflow_id,
                    "version": version,
                    "step_path": step_path,
                    "path_index": index,
                    "path_name": name,
                    "chosen_at": now,
                }
                for eid in ids
            ],
        )
