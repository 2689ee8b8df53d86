"""Where the active enrollments of a workflow's current version are now: how many at each step,
and which ones (the journey map's "waiting" counts and the list they link to).

From the database alone, no call to the engine. Most enrollments are placed by their progress
(`steps_completed`) in one grouped query; only those whose progress leaves room for doubt (a
branch or an update ahead of their next email or HTTP call, a branch behind) have their records
read.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func

from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.workflows import Workflow
from flowline.definitions.step_position import current_path, placed_by_progress
from flowline.definitions.workflows import WorkflowDefinition


@dataclass
class Positions:
    counts: Counter[str] = field(default_factory=Counter)
    """`{step path: active enrollments at it}`."""
    by_progress: dict[str, int] = field(default_factory=dict)
    """`{top-level path: steps_completed}`: every active enrollment with that progress is there."""
    located: dict[str, list[int]] = field(default_factory=dict)
    """`{step path: enrollment ids}` placed by their records (next to a branch)."""


def active_of_current_version(workflow: Workflow) -> list[ColumnElement[bool]]:
    """The enrollments the journey map counts: active, on the version it draws, not tests."""
    return [
        col(Enrollment.workflow_id) == workflow.id,
        col(Enrollment.version) == workflow.version,
        col(Enrollment.test) == false(),
        col(Enrollment.status) == "active",
    ]


def active_positions(
    session: Session, workflow: Workflow, definition: WorkflowDefinition
) -> Positions:
    steps = definition.steps
    positions = Positions()
    by_progress = session.execute(
        sa_select(col(Enrollment.steps_completed), func.count())
        .where(*active_of_current_version(workflow))
        .group_by(col(Enrollment.steps_completed))
    ).all()
    by_records: list[int] = []
    for progress, count in by_progress:
        if placed_by_progress(steps, progress):
            positions.counts[str(progress)] += count
            positions.by_progress[str(progress)] = progress
        else:
            by_records.append(progress)
    if by_records:
        _locate(session, workflow, steps, by_records, positions)
    return positions


def _locate(
    session: Session,
    workflow: Workflow,
    steps: Sequence[Any],
    progress: list[int],
    positions: Positions,
) -> None:
    rows = session.execute(
        sa_select(
            col(Enrollment.id),
            col(Enrollment.steps_completed),
            col(Delivery.step_path),
            col(Delivery.detail),
        )
        .outerjoin(Delivery, col(Delivery.enrollment_id) == col(Enrollment.id))
        .where(*active_of_current_version(workflow), col(Enrollment.steps_completed).in_(progress))
    ).all()
    done: dict[int, int] = {}
    recorded: dict[int, dict[str, str | None]] = {}
    for enrollment_id, steps_completed, path, detail in rows:
        done[enrollment_id] = steps_completed
        found = recorded.setdefault(enrollment_id, {})
        if path is not None:
            found[path] = detail
    for enrollment_id, steps_completed in done.items():
        path = current_path(steps, recorded[enrollment_id], steps_completed)
        if path is not None:
            positions.counts[path] += 1
            positions.located.setdefault(path, []).append(enrollment_id)
