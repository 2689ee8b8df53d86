"""What the worker writes about enrollments inside a step's transaction: deliveries, the steps
reached; the rows themselves, conversions and endings are written by record_jobs.py.

Every write is idempotent: an activity retried after a crash finds its earlier work and keeps it.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.services.sql import table_of
from flowline.core.timestamps import utcnow
from flowline.definitions.step_tree import top_index

# What an erased profile's deliveries say instead of the address or response they recorded.
ERASED_DETAIL = "erased with the profile"
ERASED_REASON = "profile_deleted"


# The hot statements, built once: an enrollment's steps run them with their own values.
_BY_RUN = select(Enrollment).where(col(Enrollment.temporal_run_id) == bindparam("run_id"))
_DELIVERY = select(Delivery).where(
    col(Delivery.enrollment_id) == bindparam("enrollment_id"),
    col(Delivery.step_path) == bindparam("step_path"),
)
_STEP_REACHED = (
    update(Enrollment)
    .where(
        col(Enrollment.id) == bindparam("enrollment_id"),
        col(Enrollment.steps_completed) < bindparam("step_index"),
    )
    .values(steps_completed=bindparam("step_index"))
)
_HAS_FAILED = (
    update(Enrollment)
    .where(col(Enrollment.id) == bindparam("enrollment_id"))
    .values(has_failures=True)
)
_NEW_DELIVERY = insert(table_of(Delivery))  # Core: no ORM bookkeeping
# What a delivery copies from its enrollment, the row locked (Core: no ORM object).
_LOCKED = (
    sa_select(
        col(Enrollment.exit_reason),
        col(Enrollment.has_failures),
        col(Enrollment.workflow_id),
        col(Enrollment.version),
        col(Enrollment.test),
    )
    .where(col(Enrollment.id) == bindparam("enrollment_id"))
    .with_for_update()
)
_DELIVERY_ID = sa_select(col(Delivery.id)).where(
    col(Delivery.enrollment_id) == bindparam("enrollment_id"),
    col(Delivery.step_path) == bindparam("step_path"),
)


def by_run(session: Session, run_id: str) -> Enrollment | None:
    """The enrollment row of a Temporal run, if it has one."""
    return session.exec(_BY_RUN, params={"run_id": run_id}).first()


def delivery_of(session: Session, enrollment_id: int, step_path: str) -> Delivery | None:
    return session.exec(
        _DELIVERY, params={"enrollment_id": enrollment_id, "step_path": step_path}
    ).first()


def step_reached(session: Session, enrollment_id: int, step_index: int) -> None:
    """Everything before `step_index` is done (feeds the per-step funnel)."""
    session.connection().execute(
        _STEP_REACHED, {"enrollment_id": enrollment_id, "step_index": step_index}
    )


def record_delivery(
    session: Session,
    enrollment_id: int,
    step_path: str,
    *,
    type: str,
    status: str,
    detail: str,
    attempts: int,
    facts: Mapping[str, Any] | None = None,
    campaign_id: int | None = None,
) -> None:
    """The step's outcome; `facts` are the values its timeline entry tells (to whom, the answer,
    what decided a branch), written by the same statement; `campaign_id` the campaign a Send
    email step sent (its figures count by it, test deliveries apart)."""
    # Locked, so an erasure running now is either seen here or sees this delivery to scrub it.
    connection = session.connection()
    enrollment = connection.execute(_LOCKED, {"enrollment_id": enrollment_id}).first()
    if enrollment is not None and enrollment.exit_reason == ERASED_REASON:
        detail = ERASED_DETAIL  # a step that was under way when its profile was erased
        facts = None
    now = utcnow()
    known = {"enrollment_id": enrollment_id, "step_path": step_path}
    earlier = connection.execute(_DELIVERY_ID, known).first()
    delivery = delivery_of(session, enrollment_id, step_path) if earlier is not None else None
    if delivery is not None:  # a retry: the outcome of this attempt replaces the last one
        delivery.status, delivery.detail, delivery.attempts = status, detail, attempts
        delivery.facts = dict(facts) if facts is not None else None
        delivery.updated_at = now
        if delivery.campaign_id is None:
            delivery.campaign_id = campaign_id
        if status == "failed" and enrollment is not None and not enrollment.has_failures:
            connection.execute(_HAS_FAILED, {"enrollment_id": enrollment_id})
        session.add(delivery)
        session.flush()
        return
    if enrollment is None:
        raise LookupError(f"enrollment {enrollment_id} does not exist")
    if status == "failed" and not enrollment.has_failures:
        # Only a failure costs this statement; the row is locked already.
        connection.execute(_HAS_FAILED, {"enrollment_id": enrollment_id})
    # The enrollment's workflow, version and test flag ride along: the stats funnel then counts
    # deliveries without joining enrollments. (A plain INSERT: no ORM object to build and flush.)
    connection.execute(
        _NEW_DELIVERY,
        {
            "enrollment_id": enrollment_id,
            "workflow_id": enrollment.workflow_id,
            "version": enrollment.version,
            "test": enrollment.test,
            "step_path": step_path,
            "step_index": top_index(step_path),
            "type": type,
            "status": status,
            "detail": detail,
            "attempts": attempts,
            "facts": dict(facts) if facts is not None else None,
            "campaign_id": campaign_id,
            "created_at": now,
            "updated_at": now,
        },
    )


def record_passages(
    session: Session, enrollment_id: int, passages: Sequence[Mapping[str, str]]
) -> None:
    """Steps that ran without an activity of their own (waits, waits for events), for the
    funnel: `{step_path, type, status, detail}` each, recorded once."""
    connection = session.connection()
    for passage in passages:
        known = {"enrollment_id": enrollment_id, "step_path": passage["step_path"]}
        if connection.execute(_DELIVERY_ID, known).first() is None:
            record_delivery(
                session,
                enrollment_id,
                passage["step_path"],
                type=passage["type"],
                status=passage["status"],
                detail=passage.get("detail", ""),
                attempts=1,
            )
