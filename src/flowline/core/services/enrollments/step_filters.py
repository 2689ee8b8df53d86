"""The enrollments behind one count of the journey map: those that reached a step, wait at it
now, or failed at it. Each filter selects what the map counts: reached and failed as the stats
funnel counts them, waiting as `positions` places active enrollments."""

from typing import Literal, get_args

from sqlalchemy import ColumnElement, false, or_
from sqlmodel import Session, col, exists, select

from flowline.core.errors import NotFound
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.workflows import Workflow
from flowline.core.services.enrollments import views
from flowline.core.services.enrollments.positions import active_of_current_version, active_positions
from flowline.definitions.step_kinds import walk
from flowline.definitions.steps import WaitStep
from flowline.definitions.workflows import WorkflowDefinition

StepState = Literal["reached", "waiting", "failed"]
STEP_STATES: tuple[str, ...] = get_args(StepState)


def enrollments_at_step(
    session: Session,
    workflow: Workflow,
    definition: WorkflowDefinition,
    path: str,
    state: str,
    *,
    limit: int,
) -> tuple[list[Enrollment], int]:
    """Newest first, with how many there are in all."""
    step = dict(walk(definition.steps)).get(path)
    if step is None:
        version = workflow.version
        raise NotFound(f"step {path[:100]!r} is not in version {version} of this workflow")
    if state not in STEP_STATES:
        raise NotFound(f"{state[:100]!r} is not a count of a step: reached, waiting or failed")
    assert workflow.id is not None
    if state == "waiting":
        positions = active_positions(session, workflow, definition)
        return views.page_enrollments(
            session, where=[*active_of_current_version(workflow), positions.at(path)], limit=limit
        )
    ran: ColumnElement[bool] = exists(
        select(Delivery.id).where(
            col(Delivery.enrollment_id) == col(Enrollment.id),
            col(Delivery.step_path) == path,
            *([col(Delivery.status) == "failed"] if state == "failed" else []),
        )
    )
    if state == "reached" and isinstance(step, WaitStep) and "." not in path:
        # As the funnel counts a top-level wait: also everyone whose progress is past it.
        ran = or_(ran, col(Enrollment.steps_completed) > int(path))
    of_version = [
        col(Enrollment.workflow_id) == workflow.id,
        col(Enrollment.version) == workflow.version,
        col(Enrollment.test) == false(),
    ]
    return views.page_enrollments(session, where=[*of_version, ran], limit=limit)
