"""What the worker writes about enrollments: their rows, deliveries, conversions and endings.

Every write is idempotent: an activity retried after a crash finds its earlier work and keeps it.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flowline.core.database import read_scope, session_scope
from flowline.core.models.enrollments import ENDED_STATUSES, Delivery, Enrollment
from flowline.core.timestamps import utcnow


@dataclass(frozen=True)
class EnrollmentKey:
    workflow_id: int
    version: int
    profile_id: str
    temporal_workflow_id: str
    run_id: str
    test: bool = False
    trigger_id: str | None = None
    triggered_at: datetime | None = None


def ensure_enrollment(engine: Engine, key: EnrollmentKey) -> tuple[Enrollment, bool]:
    """The enrollment row of a Temporal run, created if missing; True when this call created it.

    Both the starter and the workflow's first activity may get here first, so both may create it.
    """
    with read_scope(engine) as session:
        existing = _by_run(session, key.run_id)
        if existing is not None:
            return existing, False
    try:
        with session_scope(engine) as session:
            row = Enrollment(
                workflow_id=key.workflow_id,
                version=key.version,
                profile_id=key.profile_id,
                temporal_workflow_id=key.temporal_workflow_id,
                temporal_run_id=key.run_id,
                test=key.test,
                trigger_id=key.trigger_id,
                # A goal counts for enrollments that started before it: while Temporal was
                # away, that is when the trigger happened, not when the outbox caught up.
                started_at=key.triggered_at or utcnow(),
            )
            session.add(row)
            session.flush()
            return row, True
    except IntegrityError:
        with session_scope(engine) as session:
            existing = _by_run(session, key.run_id)
            if existing is None:
                raise
            return existing, False


def _by_run(session: Session, run_id: str) -> Enrollment | None:
    return session.exec(select(Enrollment).where(Enrollment.temporal_run_id == run_id)).first()


def delivery_of(session: Session, enrollment_id: int, step_index: int) -> Delivery | None:
    return session.exec(
        select(Delivery).where(
            Delivery.enrollment_id == enrollment_id, Delivery.step_index == step_index
        )
    ).first()


def step_reached(session: Session, enrollment_id: int, step_index: int) -> None:
    """Everything before `step_index` is done (feeds the per-step funnel)."""
    session.execute(
        update(Enrollment)
        .where(col(Enrollment.id) == enrollment_id, col(Enrollment.steps_completed) < step_index)
        .values(steps_completed=step_index)
    )


def record_delivery(
    session: Session,
    enrollment_id: int,
    step_index: int,
    *,
    type: str,
    status: str,
    detail: str,
    attempts: int,
) -> Delivery:
    delivery = delivery_of(session, enrollment_id, step_index)
    if delivery is None:
        # The enrollment's workflow, version and test flag ride along: the stats funnel then
        # counts deliveries without joining enrollments.
        workflow_id, version, test = session.exec(
            select(Enrollment.workflow_id, Enrollment.version, Enrollment.test).where(
                Enrollment.id == enrollment_id
            )
        ).one()
        delivery = Delivery(
            enrollment_id=enrollment_id,
            step_index=step_index,
            type=type,
            status="",
            workflow_id=workflow_id,
            version=version,
            test=test,
        )
    delivery.status = status
    delivery.detail = detail
    delivery.attempts = attempts
    delivery.updated_at = utcnow()
    session.add(delivery)
    session.flush()
    return delivery


def record_conversion(engine: Engine, key: EnrollmentKey, at: datetime) -> None:
    enrollment, _ = ensure_enrollment(engine, key)
    with session_scope(engine) as session:
        session.execute(
            update(Enrollment)
            .where(col(Enrollment.id) == enrollment.id, col(Enrollment.converted_at).is_(None))
            .values(converted_at=at)
        )


def finish_enrollment(
    engine: Engine,
    key: EnrollmentKey,
    *,
    status: str,
    reason: str | None,
    steps_completed: int,
    converted_at: datetime | None,
) -> None:
    enrollment, _ = ensure_enrollment(engine, key)
    with session_scope(engine) as session:
        row = session.get(Enrollment, enrollment.id)
        if row is None or row.status in ENDED_STATUSES:
            return
        row.status = status
        row.exit_reason = reason
        row.steps_completed = max(row.steps_completed, steps_completed)
        if converted_at is not None and row.converted_at is None:
            row.converted_at = converted_at
        row.ended_at = utcnow()
        session.add(row)
