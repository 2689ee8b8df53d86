"""Per-workflow numbers, from the database (Temporal keeps closed runs only for a while).

Test enrollments (`{"test": true}`) are left out of every figure.
"""

from sqlmodel import Session, col, func, select

from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.workflow_schemas import StepStats, VersionStats, WorkflowStats
from flowline.core.models.workflows import Workflow
from flowline.definitions.steps import WaitStep
from flowline.definitions.workflows import WorkflowDefinition


def _rate(converted: int, enrolled: int) -> float:
    return round(converted / enrolled, 4) if enrolled else 0.0


def workflow_stats(
    session: Session, workflow: Workflow, definition: WorkflowDefinition
) -> WorkflowStats:
    live = (col(Enrollment.workflow_id) == workflow.id) & (col(Enrollment.test).is_(False))
    by_status = dict(
        session.exec(
            select(Enrollment.status, func.count()).where(live).group_by(col(Enrollment.status))
        ).all()
    )
    per_version = session.exec(
        select(Enrollment.version, func.count(), func.count(col(Enrollment.converted_at)))
        .where(live)
        .group_by(col(Enrollment.version))
        .order_by(col(Enrollment.version))
    ).all()
    enrolled = sum(by_status.values())
    converted = sum(row[2] for row in per_version)
    return WorkflowStats(
        enrolled=enrolled,
        active=by_status.get("active", 0),
        completed=by_status.get("completed", 0),
        converted=converted,
        exited=by_status.get("exited", 0),
        failed=by_status.get("failed", 0),
        skipped_no_consent=workflow.skipped_no_consent,
        conversion_rate=_rate(converted, enrolled),
        steps=_step_stats(session, workflow, definition),
        versions=[
            VersionStats(version=v, enrolled=n, converted=c, conversion_rate=_rate(c, n))
            for v, n, c in per_version
        ],
    )


def _step_stats(
    session: Session, workflow: Workflow, definition: WorkflowDefinition
) -> list[StepStats]:
    """The funnel of the current version: how many enrollments each step acted for, by path.

    Every step leaves a record when it ran (a delivery for email and HTTP; `done` or `skipped`
    for the others). Top-level waits of enrollments from before step records also count by
    progress: everyone who got past them.
    """
    current = (
        (col(Enrollment.workflow_id) == workflow.id)
        & (col(Enrollment.version) == workflow.version)
        & (col(Enrollment.test).is_(False))
    )
    deliveries = session.exec(
        select(Delivery.step_path, Delivery.status, func.count())
        .join(Enrollment, col(Enrollment.id) == col(Delivery.enrollment_id))
        .where(current)
        .group_by(col(Delivery.step_path), col(Delivery.status))
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for path, status, count in deliveries:
        counts.setdefault(path, {})[status] = count
    progress = session.exec(
        select(Enrollment.steps_completed, func.count())
        .where(current)
        .group_by(col(Enrollment.steps_completed))
    ).all()
    steps = []
    for path, step in definition.all_steps():
        found = counts.get(path, {})
        executed = sum(found.values())
        succeeded = found.get("sent", 0) + found.get("done", 0)
        if isinstance(step, WaitStep) and "." not in path:
            passed = sum(n for done, n in progress if done > int(path))
            executed = succeeded = max(executed, passed)
        steps.append(
            StepStats(
                index=int(path.rsplit(".", 1)[-1]),
                path=path,
                type=step.type,
                executed=executed,
                succeeded=succeeded,
                failed=found.get("failed", 0),
                skipped=found.get("skipped", 0),
            )
        )
    return steps
