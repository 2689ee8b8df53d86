"""Failed steps: which enrollments had one, and what failed lately (a failure is never shown as
success). The transaction that records a failed delivery marks its enrollment `has_failures`."""

from datetime import timedelta

from sqlalchemy import false
from sqlmodel import Session, col, func, select

from flowline.core.models.enrollments import FAILED, Delivery
from flowline.core.models.workflow_schemas import RecentFailure
from flowline.core.timestamps import utcnow

RECENT = timedelta(hours=24)


def with_failures(session: Session, workflow_id: int) -> int:
    """How many (non-test) enrollments of the workflow had a failed step (`ix_deliveries_failed`
    alone: failed deliveries only)."""
    return session.exec(
        select(func.count(func.distinct(col(Delivery.enrollment_id)))).where(
            col(Delivery.workflow_id) == workflow_id,
            col(Delivery.test) == false(),
            FAILED,
        )
    ).one()


def recent_failures(session: Session, workflow_id: int) -> list[RecentFailure]:
    """Failures of the last 24 hours per step: how many, the last error and when."""
    since = utcnow() - RECENT
    recent = (
        col(Delivery.workflow_id) == workflow_id,
        col(Delivery.test) == false(),
        FAILED,
        col(Delivery.updated_at) >= since,
    )
    groups = session.exec(
        select(Delivery.step_path, func.count(), func.max(col(Delivery.updated_at)))
        .where(*recent)
        .group_by(col(Delivery.step_path))
    ).all()
    failures = []
    for path, count, last_at in sorted(groups, key=lambda g: g[0]):
        last = session.exec(
            select(Delivery.detail)
            .where(*recent, col(Delivery.step_path) == path)
            .order_by(col(Delivery.updated_at).desc(), col(Delivery.id).desc())
            .limit(1)
        ).first()
        failures.append(
            RecentFailure(path=path, count=count, last_error=last or "", last_at=last_at)
        )
    return failures


def recent_failures_by_workflow(session: Session) -> dict[int, int]:
    """Workflow id → steps failed in the last 24 hours (non-test), for the workflows list."""
    rows = session.exec(
        select(Delivery.workflow_id, func.count())
        .where(
            col(Delivery.test) == false(),
            FAILED,
            col(Delivery.updated_at) >= utcnow() - RECENT,
        )
        .group_by(col(Delivery.workflow_id))
    ).all()
    return {workflow_id: count for workflow_id, count in rows}
