"""Where the active enrollments of a workflow's current version are now: how many at each step,
and which ones (the journey map's "waiting" counts and the list they link to).

From the database alone, no call to the engine, in grouped queries: most enrollments are placed
by their progress (`steps_completed`); those whose progress leaves room for doubt (a branch or
an update ahead of their next email or HTTP call, a branch behind) by their last record too,
the step they met last (a run writes its records in the order it meets its steps).
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, false, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func

from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.workflows import Workflow
from flowline.definitions.step_position import current_path, placed_by_progress, records_up_to
from flowline.definitions.workflows import WorkflowDefinition


@dataclass(frozen=True)
class Place:
    """What puts active enrollments at a step: their progress and, unless that is enough
    (`by_progress`), their last record (`last_path` None: they have none yet)."""

    progress: int
    by_progress: bool = True
    last_path: str | None = None
    arm: str | None = None
    """The arm, when the last record is a branch's."""


@dataclass
class Positions:
    counts: Counter[str] = field(default_factory=Counter)
    """`{step path: active enrollments at it}`."""
    places: dict[str, list[Place]] = field(default_factory=dict)
    """`{step path: what puts enrollments there}`."""

    def at(self, path: str) -> ColumnElement[bool]:
        """Which of the active enrollments (`active_of_current_version`) are at the step."""
        return or_(false(), *(_placed(place) for place in self.places.get(path, ())))


HOLDING_TYPES = ("branch", "split")
"""Steps whose record's detail is the arm taken (`then`, `paths.1`)."""


def active_of_current_version(workflow: Workflow) -> list[ColumnElement[bool]]:
    """The enrollments the journey map counts: active, on the version it draws, not tests."""
    return [
        col(Enrollment.workflow_id) == workflow.id,
        col(Enrollment.version) == workflow.version,
        col(Enrollment.test) == false(),
        col(Enrollment.status) == "active",
        # A holdout enrollment is at no step: it only watches for the goal.
        col(Enrollment.cohort) == "treatment",
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
    unsure: list[int] = []
    for progress, count in by_progress:
        if placed_by_progress(steps, progress):
            positions.counts[str(progress)] += count
            positions.places.setdefault(str(progress), []).append(Place(progress))
        else:
            unsure.append(progress)
    if not unsure:
        return positions
    last = _last_records(workflow, unsure)
    groups = session.execute(
        sa_select(last.c.progress, last.c.last_path, last.c.arm, func.count()).group_by(
            last.c.progress, last.c.last_path, last.c.arm
        )
    ).all()
    for progress, last_path, arm, count in groups:
        recorded = records_up_to(last_path, arm) if last_path is not None else {}
        path = current_path(steps, recorded, progress)
        if path is not None:
            positions.counts[path] += count
            place = Place(progress, by_progress=False, last_path=last_path, arm=arm)
            positions.places.setdefault(path, []).append(place)
    return positions


def _last_records(workflow: Workflow, progress: list[int]) -> Subquery:
    """`(enrollment_id, progress, last_path, arm)` of the active enrollments with this progress:
    the path of their last record (NULL without one) and, when it is a branch's, its arm."""
    return (
        sa_select(
            col(Enrollment.id).label("enrollment_id"),
            col(Enrollment.steps_completed).label("progress"),
            _of_last_record(col(Delivery.step_path)).label("last_path"),
            _of_last_record(
                case((col(Delivery.type).in_(HOLDING_TYPES), col(Delivery.detail)))
            ).label("arm"),
        )
        .where(*active_of_current_version(workflow), col(Enrollment.steps_completed).in_(progress))
        .subquery()
    )


def _arm() -> Any:
    """A record's arm: the detail of a branch's or a split's record, NULL for the others."""
    return case((col(Delivery.type).in_(HOLDING_TYPES), col(Delivery.detail)))


def _of_last_record(column: Any) -> Any:
    """`column` of each enrollment's last record, through the index on
    `deliveries.enrollment_id` (a few rows an enrollment)."""
    return (
        sa_select(column)
        .where(col(Delivery.enrollment_id) == col(Enrollment.id))
        .order_by(col(Delivery.id).desc())
        .limit(1)
        .correlate(Enrollment)
        .scalar_subquery()
    )


def _placed(place: Place) -> ColumnElement[bool]:
    progress = col(Enrollment.steps_completed) == place.progress
    if place.by_progress:
        return progress
    last_path = _of_last_record(col(Delivery.step_path))
    if place.last_path is None:
        return and_(progress, last_path.is_(None))
    arm = _of_last_record(_arm())
    same_arm = arm.is_(None) if place.arm is None else arm == place.arm
    return and_(progress, last_path == place.last_path, same_arm)
